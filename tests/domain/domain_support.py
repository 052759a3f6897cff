"""Helpers of the domain tests: actors, units of work, a small hotel, booking shortcuts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from authz.identity import Identity, Kind
from domain import inventory, members
from domain.actor import SYSTEM, Actor
from domain.bookings import GuestDetails, booking_terms, create_booking
from domain.models import Account, BookingNight, InventoryNight
from domain.unit_of_work import audited

T = TypeVar("T")
# Saturday 28 November 2026, 10:00 at the hotel (Asia/Shanghai).
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)


async def run(actor: Actor, action: str, work: Callable[[], Awaitable[T]]) -> T:
    """One unit of work, as a resolver runs it."""
    return await audited(actor, action, "Booking", work)


_counter = iter(range(1, 1_000_000))


async def staff(*roles: str) -> Actor:
    n = next(_counter)
    account = await Account.create(
        email=f"staff{n}@test.hotel",
        password_hash="x",
        display_name=f"Staff {n}",
        kind="STAFF",
        roles=list(roles),
    )
    return Actor(
        Identity(
            kind=Kind.STAFF, id=account.id, roles=tuple(roles), display_name=account.display_name
        ),
        request_id=f"req-{n}",
    )


async def guest_account(member_id: int | None = None) -> Actor:
    n = next(_counter)
    account = await Account.create(
        email=f"guest{n}@test.hotel",
        password_hash="x",
        display_name=f"Guest {n}",
        kind="GUEST",
        member_id=member_id,
    )
    return Actor(
        Identity(
            kind=Kind.GUEST, id=account.id, member_id=member_id, display_name=account.display_name
        )
    )


def partner_actor(token_id: int) -> Actor:
    return Actor(Identity(kind=Kind.PARTNER, id=token_id, display_name=f"Partner {token_id}"))


@dataclass
class Hotel:
    std: int  # room type ids
    dlx: int
    suite: int
    single: int  # one room only: for last-room races


async def make_hotel(nights: int = 90) -> Hotel:
    """Four room types with rooms, `nights` nights of rates and inventory from today."""
    end = TODAY + dt.timedelta(days=nights)

    async def room_type(code, name, capacity, base, rooms) -> int:
        rt = await inventory.create_room_type(
            SYSTEM, code=code, name=name, capacity=capacity, base_rate=Decimal(base)
        )
        await inventory.add_rooms(SYSTEM, rt.id, [f"{code}{i:02d}" for i in range(1, rooms + 1)])
        await inventory.set_nightly_rates(SYSTEM, rt.id, TODAY, end, Decimal(base))
        return rt.id

    return Hotel(
        std=await room_type("STD", "Standard", 2, "500.00", 5),
        dlx=await room_type("DLX", "Deluxe", 3, "800.00", 3),
        suite=await room_type("STE", "Suite", 4, "9000.00", 2),
        single=await room_type("ONE", "Last Room", 2, "300.00", 1),
    )


GUEST = GuestDetails(full_name="Li Wei", phone="+86 138 0013 8000", email="li.wei@example.com")


async def terms_version() -> str:
    return (await booking_terms()).version


async def book(
    actor: Actor,
    room_type_id: int,
    check_in: dt.date,
    nights: int = 2,
    *,
    guests: int = 2,
    guest: GuestDetails | None = GUEST,
    channel: str = "PHONE",
    **kwargs,
):
    version = kwargs.pop("accepted_terms_version", None) or await terms_version()
    return await run(
        actor,
        "createBooking",
        lambda: create_booking(
            actor,
            channel=channel,
            room_type_id=room_type_id,
            check_in=check_in,
            check_out=check_in + dt.timedelta(days=nights),
            guests=guests,
            guest=guest,
            accepted_terms_version=version,
            **kwargs,
        ),
    )


async def new_member(points: int = 0, **details) -> int:
    member = await run(
        SYSTEM,
        "createMember",
        lambda: members.create_member(
            SYSTEM,
            GuestDetails(
                full_name=details.get("name", "Wang Fang"),
                phone=details.get("phone", "+8613900139000"),
                email=details.get("email", "wang.fang@example.com"),
            ),
            points=points,
        ),
    )
    return member.id


async def sold(room_type_id: int, day: dt.date) -> int:
    row = await InventoryNight.get(room_type_id=room_type_id, date=day)
    return row.sold


async def assert_inventory_consistent() -> None:
    """Every inventory night has sold exactly as many rooms as bookings hold that night."""
    held: dict[tuple[int, dt.date], int] = {}
    for night in await BookingNight.all():
        key = (night.room_type_id, night.date)
        held[key] = held.get(key, 0) + 1
    for row in await InventoryNight.all():
        assert row.sold == held.pop((row.room_type_id, row.date), 0), (row.room_type_id, row.date)
        assert 0 <= row.sold <= row.capacity
    assert not held, f"nights held without inventory rows: {held}"
