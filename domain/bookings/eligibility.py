"""Eligibility review at intake (P3.1.2): a member booking verifies the member (and its points,
reserved atomically by `domain.members.reserve_points`); a non-member fills in a temporary
profile. A blacklisted guest, or a stay costing more than booking_review_amount, goes to staff
review (PENDING_REVIEW) instead of being confirmed at once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from authz.identity import Kind
from domain import members
from domain.actor import Actor
from domain.bookings.profiles import (
    GuestDetails,
    create_temporary_profile,
    is_blacklisted,
    validate_details,
)
from domain.bookings.states import BookingStatus
from domain.errors import DomainError, ErrorCode
from domain.models import GuestProfile, Member
from domain.policy_params import params


@dataclass(frozen=True)
class Party:
    """Who the booking is for, before anything is written."""

    member: Member | None
    details: GuestDetails | None  # a temporary profile is made from these, when given


async def identify_party(
    actor: Actor, member_id: int | str | None, guest: GuestDetails | None, points: int
) -> Party:
    """Validate who books and whether they may redeem points. Writes nothing."""
    identity = actor.identity
    if member_id is None and identity.kind == Kind.GUEST and identity.member_id is not None:
        member_id = identity.member_id
    member = None
    if member_id is not None:
        member = await members.get_member(member_id)
        if identity.kind == Kind.GUEST and identity.member_id != member.id:
            raise DomainError(ErrorCode.FORBIDDEN, "Book with your own membership.", "memberId")
    if points:
        if member is None:
            raise DomainError(ErrorCode.REQUIRED, "Only members redeem points.", "memberId")
        if identity.kind not in (Kind.GUEST, Kind.STAFF):
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "Points are redeemed by the member or hotel staff.",
                "pointsToRedeem",
            )
        if member.points_balance < points:  # checked again atomically when reserved
            raise DomainError(
                ErrorCode.INSUFFICIENT_POINTS,
                "The member does not have that many points.",
                "pointsToRedeem",
            )
    details = validate_details(guest) if guest is not None else None
    if member is None and details is None:
        raise DomainError(
            ErrorCode.REQUIRED, "A guest who is not a member fills in a profile.", "guest"
        )
    return Party(member, details)


async def guest_profile_for(party: Party) -> GuestProfile:
    """The profile of who stays: a temporary one from the given details, else the member's."""
    if party.details is not None:
        return await create_temporary_profile(party.details)
    assert party.member is not None
    return await GuestProfile.get(id=party.member.guest_profile_id)


async def review_status(
    guest: GuestProfile, member: Member | None, gross_amount: Decimal
) -> tuple[BookingStatus, str]:
    """CONFIRMED, or PENDING_REVIEW with the reason staff will see."""
    reasons = []
    if await is_blacklisted(guest):
        reasons.append("the guest is on the blacklist")
    if member is not None and member.guest_profile_id != guest.id:
        member_profile = await GuestProfile.get(id=member.guest_profile_id)
        if await is_blacklisted(member_profile):
            reasons.append("the member is on the blacklist")
    limit = Decimal(await params.booking_review_amount)
    if gross_amount > limit:
        reasons.append(f"the stay costs more than {limit}")
    if reasons:
        return BookingStatus.PENDING_REVIEW, "; ".join(reasons)
    return BookingStatus.CONFIRMED, ""
