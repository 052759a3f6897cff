"""Booking statuses, channels and the transition table every status change goes through
(P3.1.1 intake channels, P3.1.3 confirmation, P3.1.5 cancellation, stay and no-show)."""

from __future__ import annotations

from enum import StrEnum

from tortoise.expressions import F

from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Booking


class BookingStatus(StrEnum):
    PENDING_REVIEW = "PENDING_REVIEW"
    CONFIRMED = "CONFIRMED"
    CHECKED_IN = "CHECKED_IN"
    CHECKED_OUT = "CHECKED_OUT"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


class BookingChannel(StrEnum):
    PHONE = "PHONE"
    ONLINE = "ONLINE"
    WALK_IN = "WALK_IN"
    PARTNER = "PARTNER"


S = BookingStatus
TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING_REVIEW: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.CHECKED_OUT}),
    S.CHECKED_OUT: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
# Statuses in which the booking still holds its nights and may be changed.
OPEN_STATUSES = frozenset({S.PENDING_REVIEW, S.CONFIRMED})
# Statuses whose nights count in the inventory (the nights still ahead are held).
HOLDING_STATUSES = frozenset({S.PENDING_REVIEW, S.CONFIRMED, S.CHECKED_IN})


def check_transition(booking: Booking, target: BookingStatus, field: str = "bookingId") -> None:
    current = BookingStatus(booking.status)
    if target not in TRANSITIONS[current]:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A booking that is {current.value} cannot become {target.value}.",
            field,
        )


async def save_transition(
    booking: Booking, target: BookingStatus, field: str = "bookingId", **changes
) -> Booking:
    """Move the booking to `target`, guarded by its status and version in the UPDATE itself,
    so two concurrent transitions of one booking cannot both succeed."""
    check_transition(booking, target, field)
    await bump(booking, field, status=target.value, **changes)
    return booking


async def bump(booking: Booking, field: str = "bookingId", **changes) -> None:
    """Write `changes` if nobody changed the booking since it was read (optimistic version)."""
    now = clock.now()
    moved = await Booking.filter(id=booking.id, version=booking.version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if moved != 1:
        raise DomainError(
            ErrorCode.CONFLICT, "The booking was changed meanwhile: reload and try again.", field
        )
    for key, value in changes.items():
        setattr(booking, key, value)
    booking.version += 1
    booking.updated_at = now
