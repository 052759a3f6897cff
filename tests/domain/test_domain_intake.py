"""Intake (P3.1.1), eligibility review (P3.1.2) and confirmation with voucher and PMS sync
(P3.1.3), on the real database."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from decimal import Decimal

import pytest
from domain_support import (
    TODAY,
    book,
    guest_account,
    new_member,
    partner_actor,
    run,
    staff,
    terms_version,
)

from domain.bookings import (
    GuestDetails,
    cancel_booking,
    confirm_booking,
    create_booking,
    set_blacklisted,
    verify_voucher,
)
from domain.bookings.numbering import new_booking_number
from domain.bookings.vouchers import voucher_code
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Booking,
    GuestProfile,
    Member,
    Notification,
    OutboxEvent,
    PointsEntry,
)
from tests.concurrency import assert_ran_concurrently, watching_transactions

D = dt.timedelta


@pytest.mark.policy("P3.1.1")
async def test_booking_number_is_generated_date_prefixed_and_unique(hotel):
    agent = await staff("booking_agent")
    numbers = {(await book(agent, hotel.std, TODAY + D(days=i), 1)).number for i in range(5)}
    assert len(numbers) == 5
    assert all(re.fullmatch(r"B20261128-[0-9A-HJKMNP-TV-Z]{5}", n) for n in numbers)
    assert len({new_booking_number() for _ in range(2000)}) > 1990


@pytest.mark.policy("P3.1.1")
async def test_needs_are_recorded_with_channel_and_creator(hotel):
    agent = await staff("booking_agent")
    booking = await book(
        agent,
        hotel.dlx,
        TODAY + D(days=4),
        3,
        guests=3,
        special_requests="  High floor, feather-free pillows ",
        channel="WALK_IN",
    )
    stored = await Booking.get(id=booking.id)
    assert stored.channel == "WALK_IN" and stored.guests == 3 and stored.nights == 3
    assert stored.special_requests == "High floor, feather-free pillows"
    assert stored.created_by_account_id == agent.account_id and stored.created_by_token_id is None
    assert stored.gross_amount == stored.total_amount == Decimal("2400.00")
    assert stored.terms_version == await terms_version()

    partner = partner_actor(7)
    by_partner = await book(partner, hotel.std, TODAY + D(days=4), 1, channel="PARTNER")
    assert by_partner.created_by_token_id == 7 and by_partner.created_by_account_id is None
    with pytest.raises(DomainError) as refused:
        await book(partner, hotel.std, TODAY + D(days=4), 1, channel="PHONE")
    assert refused.value.field == "channel"


@pytest.mark.policy("P3.1.2")
async def test_non_member_gets_a_temporary_profile(hotel):
    agent = await staff("booking_agent")
    booking = await book(
        agent,
        hotel.std,
        TODAY + D(days=1),
        1,
        guest=GuestDetails(
            full_name="  Anna   Schmidt ",
            phone="+49 (30) 1234-5678",
            email="Anna@Example.DE",
            id_document_number="c01x00t47",
        ),
    )
    profile = await GuestProfile.get(id=booking.guest_id)
    assert profile.is_temporary and profile.full_name == "Anna Schmidt"
    assert profile.phone == "+493012345678" and profile.email == "Anna@example.de"
    assert profile.id_document_number == "C01X00T47"
    assert booking.member_id is None


@pytest.mark.policy("P3.1.2")
@pytest.mark.parametrize(
    ("details", "field"),
    [
        (GuestDetails(full_name="Li", phone="12345"), "guest.phone"),
        (GuestDetails(full_name="Li", phone="+86 138 0013 800a"), "guest.phone"),
        (GuestDetails(full_name="Li", phone="0086138001380001111"), "guest.phone"),
        (GuestDetails(full_name="Li", email="li.example.com"), "guest.email"),
        (GuestDetails(full_name="Li", email="li@example"), "guest.email"),
        (GuestDetails(full_name="Li", email="li @example.com"), "guest.email"),
        (GuestDetails(full_name="   ", email="li@example.com"), "guest.fullName"),
        (GuestDetails(full_name="Li"), "guest.phone"),
        (
            GuestDetails(full_name="Li", email="li@example.com", id_document_number="x;"),
            "guest.idDocumentNumber",
        ),
        (None, "guest"),
    ],
)
async def test_malformed_contact_details_are_refused(hotel, details, field):
    agent = await staff("booking_agent")
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.std, TODAY + D(days=1), 1, guest=details)
    assert refused.value.field == field
    assert await GuestProfile.all().count() == 0 and await Booking.all().count() == 0


@pytest.mark.policy("P3.1.2")
async def test_member_booking_verifies_member_and_reserves_points(hotel):
    member_id = await new_member(points=30_000)
    agent = await staff("booking_agent")
    booking = await book(
        agent,
        hotel.std,
        TODAY + D(days=2),
        2,
        guest=None,
        member_id=member_id,
        points_to_redeem=25_000,
    )
    assert booking.member_id == member_id and booking.points_redeemed == 25_000
    assert booking.points_value == Decimal("250.00") and booking.total_amount == Decimal("750.00")
    member = await Member.get(id=member_id)
    assert member.points_balance == 5_000
    assert booking.guest_id == member.guest_profile_id
    entry = await PointsEntry.get(member_id=member_id, kind="RESERVE")
    assert (entry.delta, entry.booking_id) == (-25_000, booking.id)

    with pytest.raises(DomainError) as refused:
        await book(
            agent,
            hotel.std,
            TODAY + D(days=2),
            2,
            guest=None,
            member_id=member_id,
            points_to_redeem=5_001,
        )
    assert (refused.value.code, refused.value.field) == (
        ErrorCode.INSUFFICIENT_POINTS,
        "pointsToRedeem",
    )
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.std, TODAY + D(days=2), 2, guest=None, member_id=424242)
    assert (refused.value.code, refused.value.field) == (ErrorCode.NOT_FOUND, "memberId")
    with pytest.raises(DomainError) as refused:
        await book(agent, hotel.std, TODAY + D(days=2), 2, points_to_redeem=100)
    assert refused.value.field == "memberId"
    # Points cannot pay more than the stay.
    rich = await new_member(points=10_000_000, email="rich@example.com", phone="+8613700137000")
    with pytest.raises(DomainError) as refused:
        await book(
            agent,
            hotel.std,
            TODAY + D(days=2),
            1,
            guest=None,
            member_id=rich,
            points_to_redeem=50_001,
        )
    assert refused.value.code == ErrorCode.OUT_OF_RANGE
    assert (await Member.get(id=member_id)).points_balance == 5_000


@pytest.mark.policy("P3.1.2")
async def test_a_guest_books_with_their_own_membership_only(hotel):
    mine, theirs = (
        await new_member(points=1000),
        await new_member(points=1000, email="other@example.com", phone="+8613600136000"),
    )
    me = await guest_account(member_id=mine)
    booking = await book(
        me, hotel.std, TODAY + D(days=1), 1, guest=None, channel="ONLINE", points_to_redeem=500
    )
    assert booking.member_id == mine and booking.created_by_account_id == me.account_id
    with pytest.raises(DomainError) as refused:
        await book(
            me,
            hotel.std,
            TODAY + D(days=1),
            1,
            guest=None,
            channel="ONLINE",
            member_id=theirs,
            points_to_redeem=500,
        )
    assert (refused.value.code, refused.value.field) == (ErrorCode.FORBIDDEN, "memberId")
    with pytest.raises(DomainError) as refused:
        await book(
            partner_actor(3),
            hotel.std,
            TODAY + D(days=1),
            1,
            guest=None,
            channel="PARTNER",
            member_id=mine,
            points_to_redeem=100,
        )
    assert refused.value.field == "pointsToRedeem"


@pytest.mark.policy("P3.1.2")
async def test_concurrent_point_redemptions_never_go_negative(hotel):
    """12 agents redeem 3,000 of a member's 10,000 points at once: three win. The conditional
    UPDATE on the balance is what stops a fourth, and only PostgreSQL runs the redemptions side
    by side: SQLite serialises the transactions, so there this checks the bookkeeping and the
    PostgreSQL run proves the rule (it fails if the transactions did not overlap)."""
    member_id = await new_member(points=10_000)
    agents = [await staff("booking_agent") for _ in range(12)]
    version = await terms_version()

    async def redeem(actor, i):
        day = TODAY + D(days=1 + i % 6)
        return await run(
            actor,
            "createBooking",
            lambda: create_booking(
                actor,
                channel="PHONE",
                room_type_id=hotel.std,
                check_in=day,
                check_out=day + D(days=1),
                guests=1,
                member_id=member_id,
                points_to_redeem=3_000,
                accepted_terms_version=version,
            ),
        )

    with watching_transactions() as overlap:
        results = await asyncio.gather(
            *(redeem(a, i) for i, a in enumerate(agents)), return_exceptions=True
        )
    assert_ran_concurrently(overlap)
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 3 and len(lost) == 9
    assert {e.code for e in lost} == {ErrorCode.INSUFFICIENT_POINTS}
    member = await Member.get(id=member_id)
    assert member.points_balance == 1_000
    assert sum(e.delta for e in await PointsEntry.filter(member_id=member_id)) == 1_000


@pytest.mark.policy("P3.1.2")
async def test_blacklisted_guest_goes_to_review_then_staff_confirm(hotel):
    agent, supervisor = await staff("booking_agent"), await staff("supervisor")
    earlier = await book(agent, hotel.std, TODAY + D(days=1), 1)
    await run(
        supervisor,
        "blacklist",
        lambda: set_blacklisted(supervisor, earlier.guest_id, True, "damaged the room"),
    )
    # A new temporary profile with the same phone is recognised.
    held = await book(
        agent,
        hotel.std,
        TODAY + D(days=3),
        1,
        guest=GuestDetails(full_name="L. Wei", phone="+8613800138000"),
    )
    assert held.status == "PENDING_REVIEW" and "blacklist" in held.review_reason
    assert held.voucher_code is None
    mentioned = [
        e
        for e in await OutboxEvent.all()
        if held.number in (e.payload.get("ref"), e.payload.get("bookingNumber"))
    ]
    assert mentioned == []

    with pytest.raises(DomainError) as refused:
        await run(agent, "confirmBooking", lambda: confirm_booking(partner_actor(1), held.id))
    assert refused.value.code == ErrorCode.FORBIDDEN  # staff confirm
    confirmed = await run(
        supervisor, "confirmBooking", lambda: confirm_booking(supervisor, held.id)
    )
    assert confirmed.status == "CONFIRMED" and confirmed.voucher_code
    assert confirmed.confirmed_by_account_id == supervisor.account_id
    assert (await verify_voucher(confirmed.voucher_code)).valid
    with pytest.raises(DomainError) as refused:
        await run(supervisor, "confirmBooking", lambda: confirm_booking(supervisor, held.id))
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


@pytest.mark.policy("P3.1.2")
async def test_expensive_stay_goes_to_review(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.suite, TODAY + D(days=1), 3, guests=4)  # 27,000 CNY
    assert booking.status == "PENDING_REVIEW" and "20000" in booking.review_reason
    waiting = await Notification.get(kind="BOOKING_REVIEW_WAITING")
    assert waiting.account_id == agent.account_id and booking.number in waiting.title
    cheap = await book(agent, hotel.suite, TODAY + D(days=10), 2, guests=4)  # 18,000 CNY
    assert cheap.status == "CONFIRMED"


@pytest.mark.policy("P3.1.3")
async def test_confirmation_sends_voucher_and_syncs_pms_in_the_same_transaction(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.dlx, TODAY + D(days=6), 2)
    events = await OutboxEvent.all().order_by("id")
    assert {(e.destination, e.topic) for e in events} == {
        ("EMAIL", "booking.confirmed"),
        ("SMS", "booking.confirmed"),
        ("PMS_WEBHOOK", "booking.confirmed"),
    }
    email = next(e for e in events if e.destination == "EMAIL")
    assert email.payload["to"] == "li.wei@example.com"
    assert booking.voucher_code in email.payload["body"]
    pms = next(e for e in events if e.destination == "PMS_WEBHOOK")
    assert pms.payload["bookingNumber"] == booking.number and pms.payload["roomType"] == "DLX"
    assert all(e.status == "PENDING" for e in events)

    # A refused booking leaves no events behind (they share its transaction).
    with pytest.raises(DomainError):
        await book(agent, hotel.dlx, TODAY + D(days=6), 2, guests=9)
    assert await OutboxEvent.all().count() == 3


@pytest.mark.policy("P3.1.3")
async def test_voucher_is_unforgeable_and_stops_verifying_once_cancelled(hotel):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + D(days=6), 2)
    check = await verify_voucher(booking.voucher_code)
    assert check.valid and check.booking.number == booking.number and check.reason is None

    number, _, signature = booking.voucher_code.partition(".")
    tampered = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    other = await book(agent, hotel.std, TODAY + D(days=6), 1)
    for forged in (
        f"{number}.{tampered}",
        f"{other.number}.{signature}",
        "nonsense",
        f"{number}.",
        "B20261128-00000.AAAA",
    ):
        result = await verify_voucher(forged)
        assert not result.valid and result.booking is None, forged
    assert voucher_code(booking) == booking.voucher_code

    await run(agent, "cancelBooking", lambda: cancel_booking(agent, booking.id, "ill"))
    cancelled = await verify_voucher(booking.voucher_code)
    assert not cancelled.valid and cancelled.reason == "CANCELLED"


async def test_a_number_collision_takes_a_fresh_number_and_keeps_the_booking(hotel, monkeypatch):
    """Five random characters a day collide now and then: the taken number's insert fails in its
    savepoint and the booking gets the next number, in the same transaction. The random draw
    is injected (as time is) so the collision happens when the test says."""
    from domain.bookings import numbering

    agent = await staff("booking_agent")
    first = await book(agent, hotel.std, TODAY + D(days=3), 1)
    draws = iter([first.number, "B20261128-ZZZZZ"])
    monkeypatch.setattr(numbering, "new_booking_number", lambda: next(draws))
    second = await book(agent, hotel.std, TODAY + D(days=6), 1)
    assert second.number == "B20261128-ZZZZZ"
    assert await Booking.filter(number=first.number).count() == 1
    assert await Booking.filter(number=second.number).count() == 1
