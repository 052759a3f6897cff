"""Fixtures of the members API tests: the small hotel of the booking tests and callers of each
kind (staff roles, guests with or without membership, partner tokens)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.bookings.booking_support import Hotel, make_hotel, new_member


@pytest.fixture
async def hotel() -> Hotel:
    return await make_hotel()


@dataclass
class Caller:
    token: str
    account_id: int | None = None
    member_id: int | None = None


@pytest.fixture
def staff(person):
    async def make(role: str) -> Caller:
        someone = await person(role)
        return Caller(someone.token, someone.account.id)

    return make


@pytest.fixture
def guest(person):
    """`await guest()` -> a guest account; `await guest(member=True)` -> a member guest."""

    async def make(*, member: bool = False, points: int = 0) -> Caller:
        member_id = await new_member(points) if member else None
        someone = await person(kind="GUEST", member_id=member_id)
        return Caller(someone.token, someone.account.id, member_id)

    return make


@pytest.fixture
def partner_token(partner):
    async def make(*scopes: str) -> Caller:
        _row, secret = await partner(list(scopes))
        return Caller(secret)

    return make
