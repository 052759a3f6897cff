"""The stay itself: check-in, check-out and no-show, each through the transition table in
`states` (invalid moves are INVALID_TRANSITION), each synchronised to the PMS (P3.1.3), a
no-show refunded by the rules (P3.1.5), a first stay's check-out followed up (P3.1.7). Nights
no longer needed (after an early check-out or a no-show) go back on sale."""

from __future__ import annotations

from dataclasses import dataclass

from authz.identity import Kind
from domain import followups
from domain.actor import Actor
from domain.bookings import cancellation, nights, sync
from domain.bookings.queries import load_booking
from domain.bookings.states import BookingStatus, check_transition, save_transition
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.members.ledger import earn_for_stay
from domain.models import Booking, PendingOperation, Refund, Room


@dataclass(frozen=True)
class NoShowResult:
    booking: Booking
    refund: Refund
    # The dual review the refund waits for (above dual_review_refund_limit), else None.
    review: PendingOperation | None = None

    @property
    def pk(self) -> int:
        return self.booking.id


def _staff_only(actor: Actor) -> None:
    if actor.identity.kind not in (Kind.STAFF, Kind.SYSTEM):
        raise DomainError(ErrorCode.FORBIDDEN, "The front desk does this.", "bookingId")


async def _free_room(booking: Booking, room_id: int | None) -> Room:
    candidates = Room.filter(
        room_type_id=booking.room_type_id, is_active=True, current_booking_id=None
    )
    if room_id is not None:
        candidates = candidates.filter(id=room_id)
    for room in await candidates.order_by("number").limit(20):
        # Claim it with a conditional UPDATE: two check-ins cannot get the same room.
        if await Room.filter(id=room.id, current_booking_id=None).update(
            current_booking_id=booking.id
        ):
            return room
    raise DomainError(
        ErrorCode.ROOM_UNAVAILABLE,
        "No room of this type is free now.",
        "roomId" if room_id is not None else "bookingId",
    )


async def check_in(actor: Actor, booking_id: int | str, room_id: int | None = None) -> Booking:
    """CONFIRMED -> CHECKED_IN on the arrival day (or later in the stay); assigns a free room
    of the booked type (or the given one)."""
    _staff_only(actor)
    booking = await load_booking(actor, booking_id)
    check_transition(booking, BookingStatus.CHECKED_IN)
    today = clock.today()
    if not booking.check_in <= today < booking.check_out:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            "Check-in is possible from the arrival day until the last night.",
            "bookingId",
        )
    room = await _free_room(booking, room_id)
    await save_transition(
        booking, BookingStatus.CHECKED_IN, checked_in_at=clock.now(), room_id=room.id
    )
    await sync.sync_to_pms(booking, "booking.checked_in")
    return booking


async def check_out(actor: Actor, booking_id: int | str) -> Booking:
    """CHECKED_IN -> CHECKED_OUT; frees the room, and the nights from today on when the guest
    leaves early; a member earns points for the money paid (P3.1.2)."""
    _staff_only(actor)
    booking = await load_booking(actor, booking_id)
    await save_transition(booking, BookingStatus.CHECKED_OUT, checked_out_at=clock.now())
    await Room.filter(current_booking_id=booking.id).update(current_booking_id=None)
    await nights.release(booking, from_date=max(clock.today(), booking.check_in))
    await earn_for_stay(booking)
    await sync.sync_to_pms(booking, "booking.checked_out")
    # A first stay brings the guest's satisfaction survey and the follow-up call (P3.1.7).
    await followups.on_check_out(booking)
    return booking


async def mark_no_show(actor: Actor, booking_id: int | str) -> NoShowResult:
    """CONFIRMED -> NO_SHOW from the arrival day on; releases the nights from today and records
    the no-show refund."""
    _staff_only(actor)
    booking = await load_booking(actor, booking_id)
    check_transition(booking, BookingStatus.NO_SHOW)
    today = clock.today()
    if today < booking.check_in:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            "A guest is a no-show only from the arrival day on.",
            "bookingId",
        )
    await save_transition(booking, BookingStatus.NO_SHOW, no_show_at=clock.now())
    await nights.release(booking, from_date=today)
    refund = await cancellation.no_show_refund(actor, booking)
    await sync.sync_to_pms(booking, "booking.no_show")
    return NoShowResult(booking, refund, await cancellation.review_of(refund))
