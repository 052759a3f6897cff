"""The nights a booking holds: one `BookingNight` row per night, each counted once in the
`sold` column of its inventory night (P3.1.1 intake, P3.1.4 change, P3.1.5 cancellation). Every
change of the held nights goes through here, so the rows and the counters move together."""

from __future__ import annotations

import datetime as dt

from domain import inventory
from domain.inventory import NightPrice
from domain.models import Booking, BookingNight


async def hold(
    booking: Booking, room_type_id: int, nightly: list[NightPrice], field: str = "roomTypeId"
) -> None:
    """Allocate the nights (ROOM_UNAVAILABLE if any is sold out) and record them."""
    await inventory.allocate(room_type_id, [n.date for n in nightly], field)
    await BookingNight.bulk_create(
        [
            BookingNight(
                booking_id=booking.id, room_type_id=room_type_id, date=n.date, amount=n.amount
            )
            for n in nightly
        ]
    )


async def move(
    booking: Booking, room_type_id: int, nightly: list[NightPrice], field: str = "roomTypeId"
) -> None:
    """Replace the held nights by `nightly` of `room_type_id`, re-checking availability of the
    nights not held already, in one pass (see `inventory.reallocate`)."""
    current = await BookingNight.filter(booking_id=booking.id)
    await inventory.reallocate(
        [(n.room_type_id, n.date) for n in current],
        [(room_type_id, n.date) for n in nightly],
        field,
    )
    await BookingNight.filter(booking_id=booking.id).delete()
    await BookingNight.bulk_create(
        [
            BookingNight(
                booking_id=booking.id, room_type_id=room_type_id, date=n.date, amount=n.amount
            )
            for n in nightly
        ]
    )


async def release(booking: Booking, from_date: dt.date | None = None) -> int:
    """Give back the held nights (those on or after `from_date`, when given)."""
    query = BookingNight.filter(booking_id=booking.id)
    if from_date is not None:
        query = query.filter(date__gte=from_date)
    held = await query.order_by("room_type_id", "date")
    by_type: dict[int, list[dt.date]] = {}
    for night in held:
        by_type.setdefault(night.room_type_id, []).append(night.date)
    for room_type_id in sorted(by_type):
        await inventory.release(room_type_id, by_type[room_type_id])
    if held:
        await BookingNight.filter(id__in=[n.id for n in held]).delete()
    return len(held)


async def held(booking: Booking) -> list[BookingNight]:
    return await BookingNight.filter(booking_id=booking.id).order_by("date")
