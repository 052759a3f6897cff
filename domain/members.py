"""Loyalty members, minimal: member number, tier, points balance and the member's permanent
guest profile; reserving and returning points for bookings (P3.1.2 points verification,
P3.1.10 tiers live in the CRM area).

The balance never goes below zero, even under concurrent redemptions: a reservation is one
conditional UPDATE ``points_balance = points_balance - n WHERE id = ? AND points_balance >= n``
checked by its row count, never a read followed by a write. Every movement is also a
`PointsEntry` row, so the balance is traceable.
"""

from __future__ import annotations

import secrets

from tortoise.expressions import F

from domain.actor import Actor
from domain.bookings.profiles import GuestDetails, validate_details
from domain.errors import DomainError, ErrorCode
from domain.models import Account, GuestProfile, Member, PointsEntry

TIERS = ("STANDARD", "SILVER", "GOLD", "PLATINUM")


async def get_member(member_id: int | str | None, field: str = "memberId") -> Member:
    try:
        ident = int(member_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", field) from None
    member = await Member.get_or_none(id=ident)
    if member is None or not member.is_active:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such member.", field)
    return member


async def _new_member_number() -> str:
    while True:
        number = "M" + "".join(secrets.choice("0123456789") for _ in range(9))
        if not await Member.filter(member_number=number).exists():
            return number


async def create_member(
    actor: Actor,
    details: GuestDetails,
    *,
    tier: str = "STANDARD",
    points: int = 0,
    account_id: int | None = None,
) -> Member:
    """A member with a permanent guest profile, optionally linked to a guest account."""
    clean = validate_details(details, prefix="guest")
    if tier not in TIERS:
        raise DomainError(ErrorCode.INVALID, f"Tier is one of {', '.join(TIERS)}.", "tier")
    if points < 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Points cannot be negative.", "points")
    profile = await GuestProfile.create(
        full_name=clean.full_name,
        phone=clean.phone,
        email=clean.email,
        id_document_number=clean.id_document_number,
        is_temporary=False,
    )
    member = await Member.create(
        member_number=await _new_member_number(),
        tier=tier,
        points_balance=points,
        guest_profile=profile,
    )
    if points:
        await PointsEntry.create(member=member, delta=points, kind="ADJUST", note="opening")
    if account_id is not None:
        await Account.filter(id=account_id).update(member_id=member.id)
    return member


async def _debit(
    member_id: int, points: int, *, kind: str, booking_id: int | None, note: str, field: str
) -> None:
    taken = await Member.filter(id=member_id, points_balance__gte=points).update(
        points_balance=F("points_balance") - points
    )
    if taken != 1:
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS, "The member does not have that many points.", field
        )
    await PointsEntry.create(
        member_id=member_id, delta=-points, kind=kind, booking_id=booking_id, note=note[:200]
    )


async def reserve_points(
    member_id: int, points: int, *, booking_id: int | None = None, field: str = "pointsToRedeem"
) -> None:
    """Take `points` off the balance, or raise INSUFFICIENT_POINTS (never goes negative)."""
    if points > 0:
        await _debit(member_id, points, kind="RESERVE", booking_id=booking_id, note="", field=field)


async def return_points(member_id: int, points: int, *, booking_id: int | None = None) -> None:
    if points <= 0:
        return
    await Member.filter(id=member_id).update(points_balance=F("points_balance") + points)
    await PointsEntry.create(
        member_id=member_id, delta=points, kind="RETURN", booking_id=booking_id
    )


async def adjust_points(actor: Actor, member_id: int, delta: int, note: str) -> Member:
    """Credit or debit points by hand (inside an audited unit of work); a debit never takes
    the balance below zero."""
    member = await get_member(member_id)
    if not note.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the points change.", "note")
    if delta < 0:
        await _debit(
            member.id, -delta, kind="ADJUST", booking_id=None, note=note.strip(), field="delta"
        )
    elif delta > 0:
        await Member.filter(id=member.id).update(points_balance=F("points_balance") + delta)
        await PointsEntry.create(
            member_id=member.id, delta=delta, kind="ADJUST", note=note.strip()[:200]
        )
    return await Member.get(id=member.id)
