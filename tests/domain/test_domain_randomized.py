"""Random creates, changes and cancellations, ten at a time: the inventory never oversells and
always counts exactly the nights bookings hold. (An inventory invariant, not a policy clause:
the clauses of intake, changes and cancellation are verified by the tests named after them.)

Three thousand operations on PostgreSQL, where the ten run side by side and contend for the
nights' rows: that run proves the locking (and fails if the transactions did not overlap).
SQLite serialises the transactions, so its run checks only the bookkeeping of the random
sequences, and six hundred operations are enough for that."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import pytest
from domain_support import GUEST, TODAY, assert_inventory_consistent, run, staff, terms_version

from domain.bookings import (
    ChangeAuthorization,
    cancel_booking,
    create_booking,
    request_booking_change,
)
from domain.errors import DomainError
from domain.models import Booking, BookingNight, InventoryNight
from tests.concurrency import ON_POSTGRES, assert_ran_concurrently, watching_transactions
from tests.conftest import archived_authorisation

AUTHORISATION = "20261128-0042-guest-change-authorisation"
DOC = ChangeAuthorization(kind="WRITTEN_DOCUMENT", document_id=AUTHORISATION)


@pytest.fixture(autouse=True)
async def signed_authorisation_on_file(hotel):
    """The guest's written authorisation that WRITTEN_DOCUMENT changes point at (P3.2 archive)."""
    assert await archived_authorisation(42) == AUTHORISATION
D = dt.timedelta


async def test_random_operations_keep_inventory_exact(hotel):
    rng = random.Random(20261128)
    agent = await staff("booking_agent")
    version = await terms_version()
    room_types = [hotel.std, hotel.dlx, hotel.single]
    live: list[int] = []
    outcomes = {"created": 0, "changed": 0, "cancelled": 0, "refused": 0}

    async def one_op() -> None:
        roll = rng.random()
        start = TODAY + D(days=rng.randint(3, 20))  # beyond the urgent-change window
        nights = rng.randint(1, 4)
        try:
            if roll < 0.5 or not live:
                booking = await run(
                    agent,
                    "createBooking",
                    lambda: create_booking(
                        agent,
                        channel="PHONE",
                        room_type_id=rng.choice(room_types),
                        check_in=start,
                        check_out=start + D(days=nights),
                        guests=1,
                        guest=GUEST,
                        accepted_terms_version=version,
                    ),
                )
                live.append(booking.id)
                outcomes["created"] += 1
            elif roll < 0.8:
                booking_id = rng.choice(live)
                await run(
                    agent,
                    "requestBookingChange",
                    lambda: request_booking_change(
                        agent,
                        booking_id,
                        authorization=DOC,
                        check_in=start,
                        check_out=start + D(days=nights),
                        room_type_id=rng.choice(room_types),
                    ),
                )
                outcomes["changed"] += 1
            else:
                booking_id = rng.choice(live)
                live.remove(booking_id)
                await run(
                    agent, "cancelBooking", lambda: cancel_booking(agent, booking_id, "random")
                )
                outcomes["cancelled"] += 1
        except DomainError:
            outcomes["refused"] += 1

    rounds = 300 if ON_POSTGRES else 60  # of 10 concurrent operations
    with watching_transactions() as overlap:
        for _ in range(rounds):
            await asyncio.gather(*(one_op() for _ in range(10)))
    assert_ran_concurrently(overlap)

    assert sum(outcomes.values()) == rounds * 10
    assert all(count > 20 for count in outcomes.values()), outcomes
    await assert_inventory_consistent()
    # Cross-check from the bookings' side: each open booking holds exactly its own nights.
    for booking in await Booking.filter(status__in=["CONFIRMED", "PENDING_REVIEW"]):
        held = await BookingNight.filter(booking_id=booking.id).order_by("date")
        assert [(n.room_type_id, n.date) for n in held] == [
            (booking.room_type_id, booking.check_in + D(days=i)) for i in range(booking.nights)
        ]
    for booking in await Booking.filter(status="CANCELLED"):
        assert not await BookingNight.filter(booking_id=booking.id).exists()
    assert all(n.sold <= n.capacity for n in await InventoryNight.all())
