"""A stay's nights are taken by one statement (issue 12), with the guarantees of one statement
per night (P3.1.1): all of the stay or none of it, the refusal names the first night not free,
and overlapping stays booked at once neither oversell nor deadlock."""

from __future__ import annotations

import asyncio
import itertools

from booking_support import TODAY, D, assert_inventory_consistent, book, booking_input, create, sold

from domain.models import Booking
from tests.bookings.booking_support import CREATE
from tests.concurrency import assert_ran_concurrently, watching_transactions
from tests.conftest import counting_queries


async def test_a_stay_takes_its_nights_in_one_statement(gql, hotel, staff):
    agent = await staff("booking_agent")
    with counting_queries() as log:
        booked = await book(gql, agent.token, hotel.single, TODAY + D(days=30), 4)
    assert booked["status"] == "CONFIRMED"
    allocations = [s for s in log.statements if "UPDATE" in s and "inventory_night" in s]
    assert len(allocations) == 1, allocations
    for night in range(4):
        assert await sold(hotel.pks["ONE"], TODAY + D(days=30 + night)) == 1
    await assert_inventory_consistent()


async def test_a_full_night_inside_the_stay_refuses_all_of_it(gql, hotel, staff):
    agent = await staff("booking_agent")
    full = TODAY + D(days=42)
    await book(gql, agent.token, hotel.single, full, 1)
    refused = await create(gql, agent.token, hotel.single, full - D(days=2), 5)
    assert refused["booking"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("ROOM_UNAVAILABLE", "roomTypeId")
    ]
    assert full.isoformat() in refused["errors"][0]["message"]
    # The free nights around it were not kept.
    for offset in (-2, -1, 1, 2):
        assert await sold(hotel.pks["ONE"], full + D(days=offset)) == 0
    assert await sold(hotel.pks["ONE"], full) == 1
    await assert_inventory_consistent()


async def test_overlapping_stays_at_once_never_oversell_nor_deadlock(gql, hotel, staff):
    """Stays of 1-4 nights over the same week of a one-room type, all at once: each night is
    sold at most once, every request is answered (a deadlock would be a top-level error), and
    the winners' stays do not overlap. Only the PostgreSQL run contends for the rows."""
    agent = await staff("booking_agent")
    start = TODAY + D(days=60)
    stays = [(start + D(days=i % 5), 1 + (i * 7) % 4) for i in range(24)]
    inputs = [await booking_input(hotel.single, day, nights) for day, nights in stays]
    with watching_transactions() as overlap:
        replies = await asyncio.gather(
            *(gql(CREATE, {"input": i}, token=agent.token) for i in inputs)
        )
    assert_ran_concurrently(overlap)
    assert {r.status for r in replies} == {200}
    assert all(r.errors == [] for r in replies), [r.errors for r in replies if r.errors]
    payloads = [r.data["createBooking"] for r in replies]
    assert all(
        p["booking"] is not None or [e["code"] for e in p["errors"]] == ["ROOM_UNAVAILABLE"]
        for p in payloads
    )
    won = await Booking.filter(room_type_id=hotel.pks["ONE"]).order_by("check_in")
    assert won and len(won) == sum(p["booking"] is not None for p in payloads)
    for earlier, later in itertools.pairwise(won):
        assert earlier.check_out <= later.check_in
    for day in range(9):
        assert await sold(hotel.pks["ONE"], start + D(days=day)) <= 1
    await assert_inventory_consistent()
