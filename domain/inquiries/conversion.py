"""An inquiry becomes a booking (P1.2 conversion, P3.1.1 intake): `createBooking` may name the
inquiry it converts, and a signed-in guest's booking converts the guest's own open online
searches for the same dates. Both happen in the booking's unit of work, so a refused booking
converts nothing, and an inquiry converted or lost already cannot be converted again."""

from __future__ import annotations

from authz.identity import Kind
from domain.actor import Actor
from domain.clock import clock
from domain.inquiries.intake import close, load_inquiry, require_open
from domain.inquiries.states import InquiryStatus
from domain.models import Booking, Inquiry


async def claimable(actor: Actor, inquiry_id: int | None) -> Inquiry | None:
    """The open inquiry a booking is about to convert (checked before the booking is made):
    NOT_FOUND when the actor may not see it, INVALID_TRANSITION once converted or lost."""
    if inquiry_id is None:
        return None
    inquiry = await load_inquiry(actor, inquiry_id)
    require_open(inquiry)
    return inquiry


async def convert(actor: Actor, booking: Booking, inquiry: Inquiry | None) -> None:
    """Mark the named inquiry CONVERTED by `booking`; for a guest booking online, also the
    guest's open searches for the same stay (one UPDATE, set-based)."""
    if inquiry is not None:
        await close(inquiry, status=InquiryStatus.CONVERTED.value, booking_id=booking.id)
    if actor.identity.kind == Kind.GUEST and actor.account_id is not None:
        await Inquiry.filter(
            guest_account_id=actor.account_id,
            status=InquiryStatus.OPEN.value,
            check_in=booking.check_in,
            check_out=booking.check_out,
        ).update(status=InquiryStatus.CONVERTED.value, booking_id=booking.id, closed_at=clock.now())
