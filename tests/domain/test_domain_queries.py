"""Ownership-filtered booking queries (P6.1.2) and idempotent booking requests (P3.1.1)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from domain_support import (
    GUEST,
    TODAY,
    book,
    guest_account,
    new_member,
    partner_actor,
    run,
    staff,
    terms_version,
)

from authz.identity import ANONYMOUS
from domain.bookings import (
    BookingFilter,
    GuestDetails,
    create_booking,
    get_booking_by_number,
    list_bookings,
)
from domain.bookings.idempotency import purge_expired
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Booking, IdempotencyRecord
from tests.concurrency import assert_ran_concurrently, watching_transactions

D = dt.timedelta


@pytest.mark.policy("P6.1.2")
async def test_each_caller_sees_only_what_is_theirs(hotel):
    member_id = await new_member()
    me = await guest_account(member_id=member_id)
    other_guest = await guest_account()
    agent = await staff("booking_agent")
    p1, p2 = partner_actor(1), partner_actor(2)
    mine_online = await book(me, hotel.std, TODAY + D(days=1), 1, channel="ONLINE", guest=None)
    mine_by_phone = await book(
        agent, hotel.std, TODAY + D(days=2), 1, guest=None, member_id=member_id
    )
    by_p1 = await book(p1, hotel.std, TODAY + D(days=3), 1, channel="PARTNER")
    by_p2 = await book(p2, hotel.std, TODAY + D(days=4), 1, channel="PARTNER")

    async def numbers(actor):
        page = await list_bookings(actor.identity)
        return {b.number for b in page.items}

    assert await numbers(me) == {mine_online.number, mine_by_phone.number}
    assert await numbers(other_guest) == set()
    assert await numbers(p1) == {by_p1.number}
    assert await numbers(p2) == {by_p2.number}
    assert len(await numbers(agent)) == 4
    assert (await list_bookings(ANONYMOUS)).items == []
    assert await get_booking_by_number(p1.identity, by_p2.number) is None
    assert (await get_booking_by_number(p2.identity, by_p2.number.lower())).id == by_p2.id


async def test_filters_and_keyset_paging(hotel):
    agent = await staff("booking_agent")
    made = []
    for i in range(7):
        made.append(
            await book(
                agent,
                hotel.std if i % 2 else hotel.dlx,
                TODAY + D(days=i),
                2,
                channel="PHONE" if i < 4 else "WALK_IN",
                guest=GuestDetails(full_name=f"Guest Number{i}", email=f"g{i}@example.com"),
            )
        )
    ids = [b.id for b in made]
    page1 = await list_bookings(agent.identity, first=3)
    assert [b.id for b in page1.items] == ids[::-1][:3]
    assert page1.has_next_page and await page1.total_count() == 7
    page2 = await list_bookings(agent.identity, first=3, after_id=page1.items[-1].id)
    page3 = await list_bookings(agent.identity, first=3, after_id=page2.items[-1].id)
    assert [b.id for b in page2.items + page3.items] == ids[::-1][3:]
    assert not page3.has_next_page
    oldest_first = await list_bookings(agent.identity, first=10, newest_first=False)
    assert [b.id for b in oldest_first.items] == ids

    async def matching(**kwargs):
        page = await list_bookings(agent.identity, BookingFilter(**kwargs), first=50)
        return sorted(b.id for b in page.items)

    assert await matching(channel=["WALK_IN"]) == ids[4:]
    assert await matching(room_type_id=hotel.dlx) == ids[0::2]
    assert (
        await matching(check_in_from=TODAY + D(days=2), check_in_to=TODAY + D(days=3)) == ids[2:4]
    )
    assert await matching(staying_on=TODAY + D(days=3)) == ids[2:4]
    assert await matching(guest="number5") == [ids[5]]
    assert await matching(guest="g6@example") == [ids[6]]
    assert await matching(number=made[1].number) == [ids[1]]
    assert await matching(status=["CANCELLED"]) == []
    assert await matching(status=["CONFIRMED"], channel=["PHONE"]) == ids[:4]


async def test_same_key_same_input_returns_the_original_booking(hotel):
    agent = await staff("booking_agent")
    first = await book(agent, hotel.std, TODAY + D(days=3), 2, idempotency_key="order-1")
    again = await book(agent, hotel.std, TODAY + D(days=3), 2, idempotency_key="order-1")
    assert again.id == first.id and again.number == first.number
    assert await Booking.all().count() == 1
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.std, TODAY + D(days=3), 3, idempotency_key="order-1")
    assert (refused.value.code, refused.value.field) == (
        ErrorCode.IDEMPOTENCY_CONFLICT,
        "idempotencyKey",
    )
    # Keys belong to their caller: another agent's "order-1" is another request.
    other = await staff("booking_agent")
    theirs = await book(other, hotel.std, TODAY + D(days=3), 3, idempotency_key="order-1")
    assert theirs.id != first.id


async def test_concurrent_retries_create_one_booking(hotel):
    """Ten retries of one request at once make one booking. SQLite serialises them, so the
    PostgreSQL run proves the key's unique claim (it fails if the retries did not overlap)."""
    agent = await staff("booking_agent")
    version = await terms_version()

    async def attempt():
        return await run(
            agent,
            "createBooking",
            lambda: create_booking(
                agent,
                channel="PHONE",
                room_type_id=hotel.std,
                check_in=TODAY + D(days=5),
                check_out=TODAY + D(days=6),
                guests=1,
                guest=GUEST,
                accepted_terms_version=version,
                idempotency_key="retry-me",
            ),
        )

    with watching_transactions() as overlap:
        results = await asyncio.gather(*(attempt() for _ in range(10)), return_exceptions=True)
    assert_ran_concurrently(overlap)
    assert all(isinstance(r, Booking) for r in results), results
    assert len({r.id for r in results}) == 1
    assert await Booking.all().count() == 1


async def test_a_refused_request_can_be_retried_with_its_key(hotel):
    agent = await staff("booking_agent")
    await book(agent, hotel.single, TODAY + D(days=3), 1)
    with pytest.raises(DomainError):
        await book(agent, hotel.single, TODAY + D(days=3), 1, idempotency_key="k")
    assert await IdempotencyRecord.all().count() == 0  # rolled back with the refusal


async def test_keys_are_kept_for_the_retention_period(hotel):
    agent = await staff("booking_agent")
    first = await book(agent, hotel.std, TODAY + D(days=3), 1, idempotency_key="daily")
    clock.advance(D(hours=23, minutes=59))
    assert (await book(agent, hotel.std, TODAY + D(days=3), 1, idempotency_key="daily")).id == (
        first.id
    )
    clock.advance(D(minutes=2))
    assert await run(agent, "purge", purge_expired) == 1
    later = await book(agent, hotel.std, TODAY + D(days=3), 1, idempotency_key="daily")
    assert later.id != first.id
