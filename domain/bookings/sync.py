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


async def pms_event(
    booking: Booking,
    topic: str,
    room_type: RoomType | None = None,
    guest: GuestProfile | None = None,
) -> list[tuple[str, str, dict]]:
    """The PMS's event about a booking it knows (one confirmed at some point), or none."""
    if booking.confirmed_at is None:
        return []
    return [(topic, outbox.PMS_WEBHOOK, await booking_snapshot(booking, room_type, guest))]


def guest_messages(
    booking: Booking, guest: GuestProfile, topic: str, subject: str, body: str, sms: str | None
) -> list[tuple[str, str, dict]]:
    """An e-mail to the guest and a short text, for the address and number we have."""
    messages = []
    if guest.email:
        messages.append(
            outbox.message_event(
                outbox.EMAIL,
                to=guest.email,
                subject=subject,
                body=body,
                topic=topic,
                ref=booking.number,
            )
        )
    if guest.phone:
        messages.append(
            outbox.message_event(
                outbox.SMS,
                to=guest.phone,
                subject=subject,
                body=sms or subject,
                topic=topic,
                ref=booking.number,
            )
        )
    return messages


async def sync_to_pms(
    booking: Booking,
    topic: str,
    room_type: RoomType | None = None,
    guest: GuestProfile | None = None,
) -> None:
    """Tell the PMS about a booking it knows (one that was confirmed at some point)."""
    await outbox.enqueue_all(await pms_event(booking, topic, room_type, guest))


async def announce(
    booking: Booking,
    topic: str,
    subject: str,
    body: str,
    sms: str | None = None,
    *,
    room_type: RoomType | None = None,
    guest: GuestProfile | None = None,
) -> None:
    """The guest's messages and the PMS's event of one change, written in one statement."""
    guest = guest or await GuestProfile.get(id=booking.guest_id)
    await outbox.enqueue_all(
        guest_messages(booking, guest, topic, subject, body, sms)
        + await pms_event(booking, topic, room_type, guest)
    )
