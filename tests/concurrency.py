"""Evidence that a concurrency test really ran its transactions at the same time.

On SQLite (the embedded default) Tortoise has one connection and serialises transactions on it:
a unit of work waits for the previous one to commit, so the row locks and conditional updates
that keep concurrent bookings, redemptions and audit appends apart are never contended there,
and a concurrency test would pass without them. On SQLite these tests check the bookkeeping
only; the PostgreSQL run (HOTEL_TEST_DATABASE_URL) is the one that proves them, and
`assert_ran_concurrently` makes it fail if its transactions did not overlap."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

from domain import unit_of_work
from tests.conftest import DATABASE_URL

ON_POSTGRES = (DATABASE_URL or "").startswith("postgres")


@dataclass
class Overlap:
    open: int = 0
    most: int = 0  # the most units of work inside their transactions at one moment


@contextlib.contextmanager
def watching_transactions() -> Iterator[Overlap]:
    """Count the units of work (`audited` and its refusal records) open at the same time."""
    overlap = Overlap()
    original = unit_of_work.in_transaction

    @contextlib.asynccontextmanager
    async def counted(*args, **kwargs):
        async with original(*args, **kwargs) as connection:
            overlap.open += 1
            overlap.most = max(overlap.most, overlap.open)
            try:
                yield connection
            finally:
                overlap.open -= 1

    with mock.patch.object(unit_of_work, "in_transaction", counted):
        yield overlap


def assert_ran_concurrently(overlap: Overlap) -> None:
    if ON_POSTGRES:
        assert overlap.most >= 2, "the transactions never overlapped: the locks were not tested"
    else:
        assert overlap.most == 1, "SQLite was expected to serialise the transactions"
