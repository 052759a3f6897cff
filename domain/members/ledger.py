"""The points ledger (P3.1.2): every movement is a `PointsEntry`, every credit a `PointsLot`
that debits consume oldest first (FIFO by earning date), and lots expire
`points_expiry_months` after they were earned.

Three sums always agree: the member's balance, the sum of the ledger, and the sum of the lots'
remaining amounts; and the balance never goes below zero. Under concurrency this holds because
every movement starts with a write to the member row (a conditional UPDATE for a debit, an
increment for a credit, a row lock for an expiry): on PostgreSQL the row lock serialises the
movements of one member until they commit, so the lots a movement reads afterwards are the
committed ones. SQLite serialises whole transactions anyway.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from tortoise.expressions import F

from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Member, PointsEntry, PointsLot, PointsUse
from domain.policy_params import params


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


async def _lock_member(member_id: int) -> None:
    """Hold the member row until commit (PostgreSQL; SQLite serialises transactions)."""
    await Member.filter(id=member_id).select_for_update().only("id").first()


async def credit(
    member_id: int,
    points: int,
    *,
    kind: str,
    source: str,
    booking_id: int | None = None,
    note: str = "",
) -> PointsEntry:
    """Add `points` as a new lot earned now."""
    await Member.filter(id=member_id).update(points_balance=F("points_balance") + points)
    entry = await PointsEntry.create(
        member_id=member_id, delta=points, kind=kind, booking_id=booking_id, note=note[:200]
    )
    now = clock.now()
    await PointsLot.create(
        member_id=member_id,
        earned_at=now,
        expires_at=add_months(now, await params.points_expiry_months),
        original=points,
        remaining=points,
        source=source,
        booking_id=booking_id,
        entry_id=entry.id,
    )
    return entry


async def _consume(member_id: int, points: int, entry: PointsEntry) -> None:
    """Take `points` off the member's lots, oldest earning first. Runs after the member row
    was written in this transaction, so no other movement of this member runs meanwhile."""
    left = points
    lots = (
        await PointsLot.filter(member_id=member_id, remaining__gt=0)
        .order_by("earned_at", "id")
        .only("id", "remaining")
    )
    for lot in lots:
        if left <= 0:
            break
        take = min(left, lot.remaining)
        await PointsLot.filter(id=lot.id).update(remaining=F("remaining") - take)
        await PointsUse.create(
            lot_id=lot.id, entry_id=entry.id, booking_id=entry.booking_id, amount=take
        )
        left -= take


async def debit(
    member_id: int,
    points: int,
    *,
    kind: str,
    booking_id: int | None = None,
    note: str = "",
    field: str = "points",
) -> PointsEntry:
    """Take `points` off the balance and the oldest lots, or raise INSUFFICIENT_POINTS. One
    conditional UPDATE checked by its row count: the balance never goes below zero."""
    taken = await Member.filter(id=member_id, points_balance__gte=points).update(
        points_balance=F("points_balance") - points
    )
    if taken != 1:
        raise DomainError(
            ErrorCode.INSUFFICIENT_POINTS, "The member does not have that many points.", field
        )
    entry = await PointsEntry.create(
        member_id=member_id, delta=-points, kind=kind, booking_id=booking_id, note=note[:200]
    )
    await _consume(member_id, points, entry)
    return entry


async def reserve_points(
    member_id: int, points: int, *, booking_id: int | None = None, field: str = "pointsToRedeem"
) -> None:
    """Redeem `points` for a booking, oldest lots first, or raise INSUFFICIENT_POINTS."""
    if points > 0:
        await debit(member_id, points, kind="RESERVE", booking_id=booking_id, field=field)


async def return_points(member_id: int, points: int, *, booking_id: int | None = None) -> None:
    """Give back `points` of a booking's redemption to the lots they came from (the youngest
    first, so the oldest stay spent); what cannot be traced becomes a new lot."""
    if points <= 0:
        return
    await Member.filter(id=member_id).update(points_balance=F("points_balance") + points)
    entry = await PointsEntry.create(
        member_id=member_id, delta=points, kind="RETURN", booking_id=booking_id
    )
    left = points
    if booking_id is not None:
        uses = (
            await PointsUse.filter(booking_id=booking_id, lot__member_id=member_id)
            .filter(amount__gt=F("returned"))
            .order_by("-id")
        )
        for use in uses:
            if left <= 0:
                break
            back = min(left, use.amount - use.returned)
            await PointsUse.filter(id=use.id).update(returned=F("returned") + back)
            await PointsLot.filter(id=use.lot_id).update(remaining=F("remaining") + back)
            left -= back
    if left > 0:
        now = clock.now()
        await PointsLot.create(
            member_id=member_id,
            earned_at=now,
            expires_at=add_months(now, await params.points_expiry_months),
            original=left,
            remaining=left,
            source="RETURN",
            booking_id=booking_id,
            entry_id=entry.id,
        )


# ---- earning at check-out -----------------------------------------------------------------


EARN_RATES = {
    "STANDARD": "points_earn_rate_standard",
    "SILVER": "points_earn_rate_silver",
    "GOLD": "points_earn_rate_gold",
    "PLATINUM": "points_earn_rate_platinum",
}


async def earn_rate(tier: str) -> Decimal:
    """Points per yuan paid at the tier (a policy parameter per tier)."""
    return await getattr(params, EARN_RATES.get(tier, EARN_RATES["STANDARD"]))


def points_for(amount: Decimal, rate: Decimal) -> int:
    """Whole points for money spent, rounded down."""
    return int((Decimal(amount) * rate).to_integral_value(rounding=ROUND_DOWN))


async def earn_for_stay(booking) -> int:
    """Credit a member's points for a checked-out stay: the money paid times the rate of the
    member's tier at check-out. Once per booking (the ledger is checked for an earlier EARN)."""
    if booking.member_id is None:
        return 0
    member = await Member.get_or_none(id=booking.member_id, is_active=True)
    if member is None:
        return 0
    if await PointsEntry.filter(booking_id=booking.id, kind="EARN").exists():
        return 0
    points = points_for(booking.total_amount, await earn_rate(member.tier))
    if points > 0:
        await credit(
            member.id,
            points,
            kind="EARN",
            source="EARN",
            booking_id=booking.id,
            note=f"stay {booking.number}",
        )
    return points


# ---- expiry -------------------------------------------------------------------------------


async def expire_lot(lot_id: int) -> int:
    """Expire what is left of one lot past its expiry; 0 when there is nothing (any more)."""
    lot = await PointsLot.get_or_none(id=lot_id)
    if lot is None:
        return 0
    await _lock_member(lot.member_id)
    lot = await PointsLot.get(id=lot_id)  # re-read under the member's lock
    now = clock.now()
    if lot.remaining <= 0 or lot.expires_at > now:
        return 0
    points = lot.remaining
    taken = await Member.filter(id=lot.member_id, points_balance__gte=points).update(
        points_balance=F("points_balance") - points
    )
    if taken != 1:  # the balance and the lots disagree: leave it for a person to look at
        return 0
    entry = await PointsEntry.create(
        member_id=lot.member_id, delta=-points, kind="EXPIRE", note=f"lot {lot.id}"
    )
    await PointsLot.filter(id=lot.id).update(remaining=0, expired_at=now)
    await PointsUse.create(lot_id=lot.id, entry_id=entry.id, amount=points)
    return points


async def lots_due_to_expire(limit: int) -> list[int]:
    return list(
        await PointsLot.filter(remaining__gt=0, expires_at__lte=clock.now())
        .order_by("expires_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )


async def balance_check(member_id: int) -> tuple[int, int, int]:
    """(balance, ledger sum, lots remaining sum) of one member: the three agree."""
    member = await Member.get(id=member_id)
    entries = await PointsEntry.filter(member_id=member_id).values_list("delta", flat=True)
    lots = await PointsLot.filter(member_id=member_id).values_list("remaining", flat=True)
    return member.points_balance, sum(entries), sum(lots)
