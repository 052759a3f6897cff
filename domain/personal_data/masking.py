"""Who sees which personal data, in full, masked or not at all (P6.1.2 boundaries of use).

Which grant unmasks a kind, and which kinds are never given to third parties or cannot be
masked, come from the one classification (`classification.KINDS`). The rule, for each kind:

- the data subject (a guest reading their own booking) and callers the permission matrix
  grants the kind's resource to (`RESOURCE`) see it in full;
- third parties (partner tokens) never see SENSITIVE kinds (identity-document numbers) nor
  the kinds kept from them (points balances);
- everyone else who reaches the record sees a mask that shows enough to tell records apart
  (``L. W.``, ``+86*******8000``, ``l***@example.com``, ``*****5678``, ``B20261128-7K3QX.****``)
  and no points balance.

Default grants (`authz/grants/personal_data.csv`): contact details to the roles that contact
guests (booking agents, customer service, supervisors, directors); identity-document numbers to
the roles that check guests in (booking agents, supervisors, directors); points balances to
the roles that take redemptions or settle them (and finance); the guest's own always.
The permission check itself happens in the API layer, which passes its answer here.
"""

from __future__ import annotations

import re
from enum import StrEnum

from domain.personal_data.classification import KINDS, PersonalData

MASK = "*"


class Disclosure(StrEnum):
    FULL = "FULL"
    MASKED = "MASKED"
    WITHHELD = "WITHHELD"


# The (resource, action) of the permission matrix that discloses each kind in full, and the
# kinds withheld rather than masked: read from the one classification (`classification.KINDS`).
RESOURCE: dict[PersonalData, tuple[str, str]] = {
    kind: rule.unmasked_by for kind, rule in KINDS.items()
}

_NEVER_TO_THIRD_PARTIES = frozenset(
    kind for kind, rule in KINDS.items() if rule.never_to_third_parties
)
_CANNOT_BE_MASKED = frozenset(kind for kind, rule in KINDS.items() if not rule.maskable)


def disclosure(
    data: PersonalData, *, granted: bool, own: bool = False, third_party: bool = False
) -> Disclosure:
    """`granted`: the matrix grants RESOURCE[data] on every record; `own`: the viewer is the
    data subject (a grant limited to own records counts only then); `third_party`: a partner."""
    if granted or own:
        return Disclosure.FULL
    if data in _CANNOT_BE_MASKED or (third_party and data in _NEVER_TO_THIRD_PARTIES):
        return Disclosure.WITHHELD
    return Disclosure.MASKED


def _tail(value: str, keep: int) -> str:
    keep = min(keep, len(value) // 2)
    return MASK * (len(value) - keep) + value[len(value) - keep :]


_VOUCHER = re.compile(r"\b(B\d{8}-[0-9A-Z]{5})\.[A-Z2-7]{16,}\b")


def mask(data: PersonalData, value: str) -> str:
    if data == PersonalData.NAME:
        return " ".join(f"{word[0]}." for word in value.split()) or MASK
    if data == PersonalData.PHONE:
        lead = 3 if value.startswith("+") else 2
        return value[:lead] + _tail(value[lead:], 4)
    if data == PersonalData.EMAIL:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}{MASK * 3}@{domain}" if local else MASK * 3
    if data == PersonalData.ID_DOCUMENT:
        return _tail(value, 4 if len(value) >= 8 else 0)
    if data == PersonalData.VOUCHER_CODE:
        return _VOUCHER.sub(lambda m: f"{m.group(1)}.{MASK * 4}", value)
    return MASK * 3


def reveal(data: PersonalData, value, how: Disclosure):
    """`value` as `how` allows: itself, its mask, or None. Nothing (None, "") stays nothing."""
    if value is None or value == "" or how == Disclosure.FULL:
        return value
    if how == Disclosure.WITHHELD:
        return None
    return mask(data, str(value))
