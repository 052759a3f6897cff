"""Signed confirmation links for booking changes (P3.1.4: a change requires the customer's
written authorisation). Presenting the token of a link is the guest's confirmation of exactly
one change of one booking (dates, room type, party size) until it expires; the token is signed
with the voucher secret under its own purpose, so it cannot be replayed for another change."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass

from domain.bookings import vouchers
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Booking

TOKEN_PURPOSE = "change-confirmation"


@dataclass(frozen=True)
class ChangeTarget:
    check_in: dt.date
    check_out: dt.date
    room_type_id: int
    guests: int

    def token_message(self, booking_id: int, expires: int) -> str:
        return (
            f"{booking_id}|{self.check_in.isoformat()}|{self.check_out.isoformat()}|"
            f"{self.room_type_id}|{self.guests}|{expires}"
        )


def change_target(booking: Booking, check_in, check_out, room_type_id, guests) -> ChangeTarget:
    try:
        rt = int(room_type_id) if room_type_id is not None else booking.room_type_id
    except (TypeError, ValueError):
        raise DomainError(
            ErrorCode.NOT_FOUND, "There is no such room type.", "roomTypeId"
        ) from None
    return ChangeTarget(
        check_in or booking.check_in,
        check_out or booking.check_out,
        rt,
        booking.guests if guests is None else guests,
    )


def change_confirmation_token(
    booking: Booking,
    *,
    check_in: dt.date | None = None,
    check_out: dt.date | None = None,
    room_type_id: int | None = None,
    guests: int | None = None,
    valid_for: dt.timedelta = dt.timedelta(hours=72),
) -> str:
    """A token for a link sent to the guest: presenting it is the guest's written confirmation
    of exactly this change of this booking, until it expires."""
    target = change_target(booking, check_in, check_out, room_type_id, guests)
    expires = int((clock.now() + valid_for).timestamp())
    body = (
        base64.urlsafe_b64encode(
            json.dumps(
                {
                    "b": booking.id,
                    "ci": target.check_in.isoformat(),
                    "co": target.check_out.isoformat(),
                    "rt": target.room_type_id,
                    "g": target.guests,
                    "exp": expires,
                },
                separators=(",", ":"),
            ).encode()
        )
        .decode()
        .rstrip("=")
    )
    signature = vouchers.sign(TOKEN_PURPOSE, target.token_message(booking.id, expires))
    return f"{body}.{signature}"


MAX_CONFIRMATION_HOURS = 14 * 24


@dataclass(frozen=True)
class IssuedConfirmation:
    pk: int  # the booking, as the audit entry's subject
    token: str
    expires_at: dt.datetime


def issue_change_confirmation(
    booking: Booking,
    *,
    valid_for_hours: int,
    check_in: dt.date | None = None,
    check_out: dt.date | None = None,
    room_type_id: int | None = None,
    guests: int | None = None,
) -> IssuedConfirmation:
    """The signed token for the guest's confirmation link of exactly this change (P3.1.4),
    valid for 1 hour to two weeks."""
    if not 1 <= valid_for_hours <= MAX_CONFIRMATION_HOURS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"A confirmation link is valid for 1 to {MAX_CONFIRMATION_HOURS} hours.",
            "validForHours",
        )
    valid_for = dt.timedelta(hours=valid_for_hours)
    token = change_confirmation_token(
        booking, check_in=check_in, check_out=check_out, room_type_id=room_type_id,
        guests=guests, valid_for=valid_for,
    )
    # The token's expiry is in whole seconds.
    return IssuedConfirmation(booking.id, token, clock.now().replace(microsecond=0) + valid_for)


def token_matches(token: str, booking: Booking, target: ChangeTarget) -> bool:
    body, dot, signature = (token or "").partition(".")
    if not dot:
        return False
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        expires = int(data["exp"])
    except (ValueError, KeyError, TypeError):
        return False
    if expires < clock.now().timestamp():
        return False
    return vouchers.verify_signature(
        TOKEN_PURPOSE, target.token_message(booking.id, expires), signature
    )
