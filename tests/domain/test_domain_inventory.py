"""Inventory, rates and allocation: availability, no overbooking under concurrency, nights
released on cancellation, bad stay input refused with nothing written (P3.1.1, P3.1.2)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from domain_support import (
    GUEST,
    TODAY,
    assert_inventory_consistent,
    book,
    run,
    sold,
    staff,
    terms_version,
)

from domain import inventory
from domain.actor import SYSTEM
from domain.bookings import cancel_booking, create_booking
from domain.demo_inventory import seed_demo_inventory
from domain.errors import DomainError, ErrorCode
from domain.models import (
    AuditEntry,
    Booking,
    BookingNight,
    GuestProfile,
    InventoryNight,
    NightlyRate,
    OutboxEvent,
    Room,
    RoomType,
)
from tests.concurrency import assert_ran_concurrently, watching_transactions

D = dt.timedelta


async def test_availability_reports_rooms_left_rates_and_total(hotel):
    agent = await staff("booking_agent")
    await run(
        SYSTEM,
        "setRates",
        lambda: inventory.set_nightly_rates(
            SYSTEM, hotel.std, TODAY + D(days=1), TODAY + D(days=2), Decimal("650.00")
        ),
    )
    await book(agent, hotel.std, TODAY + D(days=1), 1)
    await book(agent, hotel.std, TODAY, 3)

    found = {a.room_type.code: a for a in await inventory.availability(TODAY, TODAY + D(days=3), 2)}
    std = found["STD"]
    assert std.available == 3  # 5 rooms, night 2 has two bookings
    assert [(r.date, r.amount) for r in std.nightly_rates] == [
        (TODAY, Decimal("500.00")),
        (TODAY + D(days=1), Decimal("650.00")),
        (TODAY + D(days=2), Decimal("500.00")),
    ]
    assert std.total_amount == Decimal("1650.00") and std.currency == "CNY"
    assert found["DLX"].available == 3

    # Room types too small for the party are left out; a night not on sale means 0 rooms.
    assert {
        a.room_type.code for a in await inventory.availability(TODAY, TODAY + D(days=1), 4)
    } == {"STE"}
    late = {
        a.room_type.code: a.available
        for a in await inventory.availability(TODAY + D(days=89), TODAY + D(days=91), 1)
    }
    assert late["STD"] == 0


async def test_rates_are_an_upsert_and_open_the_calendar(hotel):
    start, end = TODAY + D(days=100), TODAY + D(days=110)
    await run(
        SYSTEM,
        "setRates",
        lambda: inventory.set_nightly_rates(SYSTEM, hotel.dlx, start, end, Decimal("900.00")),
    )
    await run(
        SYSTEM,
        "setRates",
        lambda: inventory.set_nightly_rates(
            SYSTEM, hotel.dlx, start, start + D(days=5), Decimal("950.00")
        ),
    )
    rates = await NightlyRate.filter(room_type_id=hotel.dlx, date__gte=start).order_by("date")
    assert len(rates) == 10
    assert [r.amount for r in rates] == [Decimal("950.00")] * 5 + [Decimal("900.00")] * 5
    nights = await InventoryNight.filter(room_type_id=hotel.dlx, date__gte=start)
    assert len(nights) == 10 and {n.capacity for n in nights} == {3}


async def test_last_room_race_has_exactly_one_winner(hotel):
    """50 concurrent requests for the last room: one booking, 49 ROOM_UNAVAILABLE. SQLite
    serialises the transactions, so the conditional UPDATE on the night is contended only in
    the PostgreSQL run, which proves it (it fails if the transactions did not overlap)."""
    agents = [await staff("booking_agent") for _ in range(50)]
    version = await terms_version()
    check_in = TODAY + D(days=10)

    async def attempt(actor):
        return await run(
            actor,
            "createBooking",
            lambda: create_booking(
                actor,
                channel="PHONE",
                room_type_id=hotel.single,
                check_in=check_in,
                check_out=check_in + D(days=2),
                guests=1,
                guest=GUEST,
                accepted_terms_version=version,
            ),
        )

    with watching_transactions() as overlap:
        results = await asyncio.gather(*(attempt(a) for a in agents), return_exceptions=True)
    assert_ran_concurrently(overlap)
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 49, results
    assert {e.code for e in lost} == {ErrorCode.ROOM_UNAVAILABLE}
    assert {e.field for e in lost} == {"roomTypeId"}
    assert await sold(hotel.single, check_in) == 1
    assert await sold(hotel.single, check_in + D(days=1)) == 1
    assert await Booking.filter(room_type_id=hotel.single).count() == 1
    # The refusals are audited, each on its own.
    assert await AuditEntry.filter(action="createBooking", outcome="REJECTED").count() == 49
    await assert_inventory_consistent()


async def test_back_to_back_stays_share_the_changeover_day(hotel):
    agent = await staff("booking_agent")
    first = await book(agent, hotel.single, TODAY + D(days=5), 3)
    second = await book(agent, hotel.single, TODAY + D(days=8), 2)
    third = await book(agent, hotel.single, TODAY + D(days=2), 3)
    assert {first.status, second.status, third.status} == {"CONFIRMED"}
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.single, TODAY + D(days=7), 2)  # overlaps the first
    assert refused.value.code == ErrorCode.ROOM_UNAVAILABLE
    await assert_inventory_consistent()


async def test_nights_not_on_sale_cannot_be_booked(hotel):
    agent = await staff("booking_agent")
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.std, TODAY + D(days=89), 2)  # the calendar ends on day 90
    assert (refused.value.code, refused.value.field) == (ErrorCode.ROOM_UNAVAILABLE, "roomTypeId")
    assert await InventoryNight.filter(date__gte=TODAY + D(days=90)).count() == 0


async def test_cancelling_frees_the_nights(hotel):
    agent = await staff("booking_agent")
    taken = await book(agent, hotel.single, TODAY + D(days=20), 2)
    with pytest.raises(DomainError):
        await book(agent, hotel.single, TODAY + D(days=21), 1)
    await run(agent, "cancelBooking", lambda: cancel_booking(agent, taken.id, "plans changed"))
    assert await sold(hotel.single, TODAY + D(days=20)) == 0
    again = await book(agent, hotel.single, TODAY + D(days=21), 1)
    assert again.status == "CONFIRMED"
    await assert_inventory_consistent()


async def test_capacity_cannot_drop_below_rooms_sold(hotel):
    agent = await staff("booking_agent")
    await book(agent, hotel.dlx, TODAY + D(days=3), 1)
    await book(agent, hotel.dlx, TODAY + D(days=3), 1)
    with pytest.raises(DomainError) as refused:
        await run(
            SYSTEM,
            "setCapacity",
            lambda: inventory.set_inventory_capacity(
                SYSTEM, hotel.dlx, TODAY, TODAY + D(days=7), 1
            ),
        )
    assert refused.value.code == ErrorCode.CONFLICT
    changed = await run(
        SYSTEM,
        "setCapacity",
        lambda: inventory.set_inventory_capacity(SYSTEM, hotel.dlx, TODAY, TODAY + D(days=7), 2),
    )
    assert changed == 7
    with pytest.raises(DomainError):
        await book(agent, hotel.dlx, TODAY + D(days=3), 1)


async def test_adding_rooms_raises_the_capacity_of_nights_on_sale(hotel):
    await run(SYSTEM, "addRooms", lambda: inventory.add_rooms(SYSTEM, hotel.single, ["ONE02"]))
    night = await InventoryNight.get(room_type_id=hotel.single, date=TODAY + D(days=1))
    assert night.capacity == 2


async def _nothing_written(before_profiles: int) -> None:
    assert await Booking.all().count() == 0
    assert await BookingNight.all().count() == 0
    assert await GuestProfile.all().count() == before_profiles
    assert await OutboxEvent.all().count() == 0
    assert sum(n.sold for n in await InventoryNight.all()) == 0


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"check_out": TODAY + D(days=3)}, ErrorCode.INVALID, "checkOut"),
        ({"check_out": TODAY + D(days=2)}, ErrorCode.INVALID, "checkOut"),
        ({"check_in": TODAY - D(days=1)}, ErrorCode.OUT_OF_RANGE, "checkIn"),
        ({"check_out": TODAY + D(days=3 + 31)}, ErrorCode.OUT_OF_RANGE, "checkOut"),
        ({"guests": 3}, ErrorCode.OUT_OF_RANGE, "guests"),
        ({"guests": 0}, ErrorCode.OUT_OF_RANGE, "guests"),
        ({"room_type_id": 9999}, ErrorCode.NOT_FOUND, "roomTypeId"),
        ({"room_type_id": "nope"}, ErrorCode.NOT_FOUND, "roomTypeId"),
        ({"channel": "FAX"}, ErrorCode.INVALID, "channel"),
        ({"accepted_terms_version": "T0000000000"}, ErrorCode.STALE_TERMS, "acceptedTermsVersion"),
    ],
)
async def test_bad_stay_input_is_refused_and_nothing_is_written(hotel, change, code, field):
    agent = await staff("booking_agent")
    args = {
        "channel": "PHONE",
        "room_type_id": hotel.std,
        "check_in": TODAY + D(days=3),
        "check_out": TODAY + D(days=5),
        "guests": 2,
        "guest": GUEST,
        "accepted_terms_version": await terms_version(),
    }
    args.update(change)
    with pytest.raises(DomainError) as refused:
        await run(agent, "createBooking", lambda: create_booking(agent, **args))
    assert (refused.value.code, refused.value.field) == (code, field)
    await _nothing_written(0)


async def test_availability_refuses_bad_dates(hotel):
    with pytest.raises(DomainError) as refused:
        await inventory.availability(TODAY + D(days=2), TODAY + D(days=2))
    assert refused.value.field == "checkOut"
    with pytest.raises(DomainError) as refused:
        await inventory.availability(TODAY, TODAY + D(days=40))
    assert refused.value.code == ErrorCode.OUT_OF_RANGE


async def test_demo_hotel_has_types_rooms_a_year_of_rates_and_calendar():
    assert await run(SYSTEM, "seed", lambda: seed_demo_inventory()) is True
    assert await run(SYSTEM, "seed", lambda: seed_demo_inventory()) is False
    types = await RoomType.all()
    assert len(types) >= 5 and await Room.all().count() >= 60
    for rt in types:
        rooms = await Room.filter(room_type_id=rt.id).count()
        assert await NightlyRate.filter(room_type_id=rt.id).count() >= 365
        nights = await InventoryNight.filter(room_type_id=rt.id, date=TODAY + D(days=300))
        assert nights[0].capacity == rooms
    offer = await inventory.availability(TODAY + D(days=30), TODAY + D(days=32), 2)
    assert all(a.available > 0 and a.total_amount > 0 for a in offer)
