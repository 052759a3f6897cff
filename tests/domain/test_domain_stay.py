"""The stay: check-in, check-out and no-show through the transition table; invalid moves are
INVALID_TRANSITION (P3.1.1 to P3.1.5 booking lifecycle)."""

from __future__ import annotations

import datetime as dt

import pytest
from domain_support import (
    NOW,
    TODAY,
    assert_inventory_consistent,
    book,
    guest_account,
    run,
    sold,
    staff,
)

from domain.bookings import cancel_booking, check_in, check_out, confirm_booking, mark_no_show
from domain.bookings.states import TRANSITIONS, BookingStatus
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import OutboxEvent, Room

D = dt.timedelta


async def act(actor, action, function, booking_id, *args):
    return await run(actor, action, lambda: function(actor, booking_id, *args))


@pytest.mark.policy("P3.1.3")
async def test_check_in_assigns_a_room_and_check_out_frees_it(hotel):
    desk = await staff("booking_agent")
    booking = await book(desk, hotel.single, TODAY, 3)
    checked_in = await act(desk, "checkInBooking", check_in, booking.id)
    assert checked_in.status == "CHECKED_IN" and checked_in.room_id is not None
    room = await Room.get(id=checked_in.room_id)
    assert room.current_booking_id == booking.id
    with pytest.raises(DomainError) as refused:
        await act(desk, "checkInBooking", check_in, booking.id)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION

    clock.advance(D(days=1))  # leaves after one night of three
    checked_out = await act(desk, "checkOutBooking", check_out, booking.id)
    assert checked_out.status == "CHECKED_OUT"
    assert (await Room.get(id=room.id)).current_booking_id is None
    assert await sold(hotel.single, TODAY) == 1  # the night stayed
    assert await sold(hotel.single, TODAY + D(days=1)) == 0  # given back
    topics = await OutboxEvent.filter(destination="PMS_WEBHOOK").values_list("topic", flat=True)
    assert topics == ["booking.confirmed", "booking.checked_in", "booking.checked_out"]
    await assert_inventory_consistent()


async def test_check_in_only_during_the_stay(hotel):
    desk = await staff("booking_agent")
    booking = await book(desk, hotel.std, TODAY + D(days=2), 1)
    with pytest.raises(DomainError) as refused:
        await act(desk, "checkInBooking", check_in, booking.id)
    assert refused.value.code == ErrorCode.OUT_OF_RANGE


async def test_guests_do_not_run_the_front_desk(hotel):
    me = await guest_account()
    booking = await book(me, hotel.std, TODAY, 1, channel="ONLINE")
    with pytest.raises(DomainError) as refused:
        await act(me, "checkInBooking", check_in, booking.id)
    assert refused.value.code == ErrorCode.FORBIDDEN


@pytest.mark.policy("P3.1.5")
async def test_no_show_from_the_arrival_day_releases_the_nights(hotel):
    desk = await staff("booking_agent")
    booking = await book(desk, hotel.std, TODAY + D(days=1), 3)
    with pytest.raises(DomainError) as refused:
        await act(desk, "markNoShow", mark_no_show, booking.id)
    assert refused.value.code == ErrorCode.OUT_OF_RANGE
    clock.freeze(NOW + D(days=1, hours=14))  # midnight after the arrival day, local time
    result = await act(desk, "markNoShow", mark_no_show, booking.id)
    assert result.booking.status == "NO_SHOW"
    assert result.refund.amount == 0  # no_show_refund_percent defaults to 0
    assert await sold(hotel.std, TODAY + D(days=1)) == 1  # the arrival night is gone
    assert await sold(hotel.std, TODAY + D(days=2)) == 0
    await assert_inventory_consistent()
    with pytest.raises(DomainError) as refused:
        await act(desk, "checkInBooking", check_in, booking.id)
    assert refused.value.code == ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize("start", list(BookingStatus))
async def test_transition_table_is_enforced(hotel, start):
    desk, supervisor = await staff("booking_agent"), await staff("supervisor")
    guests = 2 if start != BookingStatus.PENDING_REVIEW else 4
    room_type = hotel.std if start != BookingStatus.PENDING_REVIEW else hotel.suite
    booking = await book(desk, room_type, TODAY, 3, guests=guests)
    moves = {
        BookingStatus.CHECKED_IN: [(check_in,)],
        BookingStatus.CHECKED_OUT: [(check_in,), (check_out,)],
        BookingStatus.CANCELLED: [(cancel_booking, "x")],
        BookingStatus.NO_SHOW: [(mark_no_show,)],
    }
    for function, *args in moves.get(start, []):
        await act(desk, "move", function, booking.id, *args)
    attempts = {
        BookingStatus.CONFIRMED: (confirm_booking,),
        BookingStatus.CHECKED_IN: (check_in,),
        BookingStatus.CHECKED_OUT: (check_out,),
        BookingStatus.CANCELLED: (cancel_booking, "x"),
        BookingStatus.NO_SHOW: (mark_no_show,),
    }
    for target, (function, *args) in attempts.items():
        if target in TRANSITIONS[start]:
            continue
        with pytest.raises(DomainError) as refused:
            await act(supervisor, "move", function, booking.id, *args)
        assert refused.value.code == ErrorCode.INVALID_TRANSITION, (start, target)
