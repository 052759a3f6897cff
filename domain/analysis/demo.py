"""Demo data of the analysis area (P3.1.8): a past stay history for the demo guest's
membership, analysed for the last finished month, so a tester sees recommendations at once."""

from __future__ import annotations

import datetime as dt

from domain.analysis.runs import analyse_month, last_finished_month
from domain.bookings.numbering import new_booking_number
from domain.clock import clock
from domain.models import Account, Booking, Member, RoomType

# (years back, month, day, nights, room type code, channel, days booked ahead)
HISTORY = [
    (3, 5, 9, 2, "DLX", "ONLINE", 21),
    (2, 5, 14, 3, "DLX", "ONLINE", 24),
    (2, 9, 2, 1, "STD", "PHONE", 5),
    (1, 5, 18, 2, "DLX", "ONLINE", 20),
    (1, 11, 8, 1, "DLX", "PARTNER", 12),
]


async def seed_demo_history(guest: Account) -> None:
    """Checked-out stays of the demo guest's membership in past years, then the analysis."""
    await guest.refresh_from_db()
    member = guest.member_id and await Member.get_or_none(id=guest.member_id)
    if not member:
        return
    types = {rt.code: rt for rt in await RoomType.all()}
    today = clock.today()
    for years, month, day, nights, code, channel, ahead in HISTORY:
        room_type = types.get(code)
        if room_type is None:
            continue
        check_in = dt.date(today.year - years, month, day)
        amount = room_type.base_rate * nights
        booking = await Booking.create(
            number=new_booking_number(),
            status="CHECKED_OUT",
            channel=channel,
            room_type=room_type,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=nights),
            guests=2,
            nights=nights,
            guest_id=member.guest_profile_id,
            member=member,
            gross_amount=amount,
            total_amount=amount,
            currency=room_type.currency,
            terms_version="demo",
        )
        booked = dt.datetime.combine(check_in - dt.timedelta(days=ahead), dt.time(12))
        await Booking.filter(id=booking.id).update(
            created_at=booked.replace(tzinfo=clock.hotel_timezone)
        )
    await analyse_month(last_finished_month())
