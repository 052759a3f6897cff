"""Loyalty members (P3.1.2 points, P3.1.10 tiers; P6.1.3 consent to the membership terms).

Module by module:

- `registration`: member numbers, `create_member`, `register_member` (a guest account becomes
  a member, with consent to the membership terms recorded in `domain.consents`);
- `ledger`: the points ledger with FIFO lots (earning at check-out, redemption at booking,
  returns), always balance == ledger sum == lots remaining, never negative;
- `adjustments`: manual adjustments by staff, above a limit through an approval;
- `expiry`: the expiry warning and expiry sweeps;
- `tiers`: the nightly set-based tier evaluation, the yearly review and `progress`;
- `directory`: the member list, filters and search, batch readers;
- `messages`: telling a member (outbox and in-app).
"""

from domain.members.ledger import earn_for_stay, reserve_points, return_points
from domain.members.registration import (
    MEMBERSHIP_TERMS,
    MEMBERSHIP_TERMS_VERSION,
    TIERS,
    Registration,
    create_member,
    get_member,
    register_member,
)

__all__ = [
    "MEMBERSHIP_TERMS",
    "MEMBERSHIP_TERMS_VERSION",
    "TIERS",
    "Registration",
    "create_member",
    "earn_for_stay",
    "get_member",
    "register_member",
    "reserve_points",
    "return_points",
]
