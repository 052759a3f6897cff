"""Booking numbers (P3.1.1: the system generates a booking number automatically).

`B20261128-7K3QX`: the hotel-local date of intake, then five random characters of Crockford's
base-32 alphabet (no I, L, O, U, so it reads aloud and types without confusion). The column is
unique and bookings are never deleted (cancelled ones stay), so a number is never reused. The
insert runs in a savepoint and is retried with a fresh number on the (rare) collision.
"""

from __future__ import annotations

import secrets

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.clock import clock
from domain.models import Booking

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SUFFIX_LENGTH = 5
ATTEMPTS = 8


def new_booking_number() -> str:
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(SUFFIX_LENGTH))
    return f"B{clock.today():%Y%m%d}-{suffix}"


async def create_numbered_booking(**fields) -> Booking:
    """Insert a booking under a fresh unique number (inside the caller's transaction)."""
    for _ in range(ATTEMPTS):
        number = new_booking_number()
        # No look before the insert: the savepoint already makes a collision one more try,
        # and a look would be one more round trip on every booking (issue 12).
        try:
            async with in_transaction():
                return await Booking.create(number=number, **fields)
        except IntegrityError:
            if not await Booking.filter(number=number).exists():
                raise  # not a number collision
    raise RuntimeError("could not find a free booking number")
