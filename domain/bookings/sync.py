"""What other systems and the guest hear about a booking (P3.1.3: synchronise the booking to
the rooms system, send the customer the voucher). Everything is an outbox row written in the
booking's own transaction, so it is sent exactly when the change committed."""

from __future__ import annotations

from domain import outbox
from domain.inventory import room_type_of
from domain.models import Booking, GuestProfile, RoomType


async def booking_snapshot(
    booking: Booking, room_type: RoomType | None = None, guest: GuestProfile | None = None
) -> dict:
    """The PMS's view of the booking; `room_type` and `guest` when the caller read them already
    in this transaction (one read each per confirmation instead of two)."""
    room_type = room_type or await room_type_of(booking)
    guest = guest or await GuestProfile.get(id=booking.guest_id)
    return {
        "bookingNumber": booking.number,
        "status": booking.status,
        "channel": booking.channel,
        "roomType": room_type.code,
        "roomId": booking.room_id,
        "checkIn": booking.check_in.isoformat(),
        "checkOut": booking.check_out.isoformat(),
        "nights": booking.nights,
        "guests": booking.guests,
        "guestName": guest.full_name,
        "specialRequests": booking.special_requests,
        "totalAmount": str(booking.total_amount),
        "currency": booking.currency,
        "version": booking.version,
    }


async def sync_to_pms(
    booking: Booking,
    topic: str,
    room_type: RoomType | None = None,
    guest: GuestProfile | None = None,
) -> None:
    """Tell the PMS about a booking it knows (one that was confirmed at some point)."""
    if booking.confirmed_at is None:
        return
    await outbox.enqueue(
        topic, outbox.PMS_WEBHOOK, await booking_snapshot(booking, room_type, guest)
    )


async def message_guest(
    booking: Booking,
    topic: str,
    subject: str,
    body: str,
    sms: str | None = None,
    guest: GuestProfile | None = None,
) -> None:
    """E-mail the guest (and text them a short version) when we have the address/number."""
    guest = guest or await GuestProfile.get(id=booking.guest_id)
    if guest.email:
        await outbox.enqueue_message(
            outbox.EMAIL,
            to=guest.email,
            subject=subject,
            body=body,
            topic=topic,
            ref=booking.number,
        )
    if guest.phone:
        await outbox.enqueue_message(
            outbox.SMS,
            to=guest.phone,
            subject=subject,
            body=sms or subject,
            topic=topic,
            ref=booking.number,
        )
