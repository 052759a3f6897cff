"""Confirmation (P3.1.3): the booking becomes CONFIRMED, the customer gets an electronic
voucher (e-mail and SMS through the outbox) and the booking is synchronised to the rooms system
(a PMS outbox event), all in the transaction that confirms it. Bookings held for review
(P3.1.2) are confirmed by staff with `confirm_booking`."""

from __future__ import annotations

from authz.identity import Kind
from domain import i18n
from domain.actor import Actor
from domain.bookings import sync, vouchers
from domain.bookings.queries import load_booking
from domain.bookings.states import BookingStatus, save_transition
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import t
from domain.inventory import room_type_of
from domain.models import Booking, GuestProfile


async def _announce(booking: Booking, guest: GuestProfile | None = None) -> None:
    """The voucher to the guest and the booking to the PMS; `guest` when the caller holds the
    profile already (a new booking's)."""
    code = await vouchers.issue_voucher(booking)
    room_type = await room_type_of(booking)
    guest = guest or await GuestProfile.get(id=booking.guest_id)  # read once for both messages
    lang = booking.language
    values = {
        "number": booking.number,
        "room": room_type.name,
        "guests": booking.guests,
        "arrival": i18n.format_date(booking.check_in, lang),
        "departure": i18n.format_date(booking.check_out, lang),
        "nights": booking.nights,
        "amount": i18n.format_money(booking.total_amount, booking.currency, lang),
        "points": booking.points_redeemed,
        "voucher": code,
        "terms": booking.terms_version,
    }
    subject = t(lang, "Booking {number} confirmed", **values)
    body = "\n".join(
        [
            t(lang, "Your booking {number} is confirmed.", **values),
            t(lang, "Room: {room}, {guests} guest(s)", **values),
            t(lang, "Arrival {arrival}, departure {departure} ({nights} night(s))", **values),
            t(lang, "Amount: {amount} plus {points} points", **values)
            if booking.points_redeemed
            else t(lang, "Amount: {amount}", **values),
            t(lang, "Your electronic voucher: {voucher}", **values),
            t(lang, "Booking terms version {terms} apply.", **values),
        ]
    )
    sms = t(lang, "Booking {number} confirmed, {arrival}. Voucher: {voucher}", **values)
    await sync.announce(
        booking, "booking.confirmed", subject, body, sms, room_type=room_type, guest=guest
    )


async def confirm_new(booking: Booking, actor: Actor, guest: GuestProfile) -> None:
    """Confirm a booking created as CONFIRMED in this transaction for this guest profile."""
    booking.confirmed_at = clock.now()
    booking.confirmed_by_account_id = actor.account_id
    if not booking.voucher_code:  # issued in the same UPDATE (`_announce` then keeps it)
        booking.voucher_code = vouchers.voucher_code(booking)
        booking.voucher_issued_at = booking.confirmed_at
    await Booking.filter(id=booking.id).update(
        confirmed_at=booking.confirmed_at,
        confirmed_by_account_id=actor.account_id,
        voucher_code=booking.voucher_code,
        voucher_issued_at=booking.voucher_issued_at,
    )
    await _announce(booking, guest)


async def confirm_booking(actor: Actor, booking_id: int | str) -> Booking:
    """Staff confirm a booking held for review: PENDING_REVIEW -> CONFIRMED."""
    if actor.identity.kind not in (Kind.STAFF, Kind.SYSTEM):
        raise DomainError(ErrorCode.FORBIDDEN, "Hotel staff confirm bookings.", "bookingId")
    booking = await load_booking(actor, booking_id)
    await save_transition(
        booking,
        BookingStatus.CONFIRMED,
        confirmed_at=clock.now(),
        confirmed_by_account_id=actor.account_id,
    )
    await _announce(booking)
    return booking
