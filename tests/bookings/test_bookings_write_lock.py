"""A booking that cannot get SQLite's write lock in time (another process holds it past the busy
timeout) is a coded SERVICE_UNAVAILABLE with Retry-After, not INTERNAL_ERROR, writes nothing,
and the next booking goes through once the lock is free (issue 7, item 10)."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from booking_support import CREATE, TODAY, D, book, booking_input
from tortoise import Tortoise

from domain.models import Booking, BookingNight
from tests.conftest import DATABASE_URL

pytestmark = pytest.mark.skipif(
    bool(DATABASE_URL), reason="SQLite's file lock: the PostgreSQL run has no such lock"
)


@contextlib.asynccontextmanager
async def short_busy_timeout(milliseconds: int):
    connection = Tortoise.get_connection("default")
    await connection.execute_script(f"PRAGMA busy_timeout = {milliseconds}")
    try:
        yield
    finally:
        await connection.execute_script("PRAGMA busy_timeout = 5000")


async def test_a_write_lock_held_past_the_busy_timeout_is_service_unavailable(
    gql, hotel, staff, settings
):
    agent = await staff("booking_agent")
    variables = {"input": await booking_input(hotel.std, TODAY + D(days=12))}
    other_process = sqlite3.connect(settings.database_url.removeprefix("sqlite://").partition("?")[0],
                                    isolation_level=None)
    try:
        other_process.execute("BEGIN IMMEDIATE")  # holds the write lock, as a busy writer would
        async with short_busy_timeout(200):
            reply = await gql(CREATE, variables, token=agent.token)
        other_process.execute("ROLLBACK")
    finally:
        other_process.close()

    assert reply.status == 503
    assert reply.error_codes == ["SERVICE_UNAVAILABLE"]
    assert reply.headers["retry-after"].isdigit()
    assert await Booking.all().count() == 0 and await BookingNight.all().count() == 0
    booked = await book(gql, agent.token, hotel.std, TODAY + D(days=12))
    assert booked["status"]
    assert await Booking.all().count() == 1
