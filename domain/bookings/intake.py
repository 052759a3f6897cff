"""Intake of a booking (P3.1.1: inquiries by phone, online, walk-in or partner; needs recorded;
booking number generated), with the eligibility review (P3.1.2), the accepted terms (P6.1.1)
and, when no review is needed, confirmation (P3.1.3) in the same transaction.

Everything is checked before anything is kept: a refused request (bad input, stale terms, no
room, too few points) raises `DomainError` and the caller's unit of work rolls back, so nothing
is written. The booking remembers who created it (account or partner token) for ownership.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from authz.identity import Kind
from domain import i18n, inquiries, inventory, members, notifications
from domain.actor import Actor
from domain.bookings import confirmation, idempotency, nights
from domain.bookings.eligibility import guest_profile_for, identify_party, review_status
from domain.bookings.numbering import create_numbered_booking
from domain.bookings.pricing import quote_stay
from domain.bookings.profiles import GuestDetails
from domain.bookings.states import BookingChannel, BookingStatus
from domain.bookings.terms import current_terms_version
from domain.errors import DomainError, ErrorCode
from domain.models import Booking

MAX_SPECIAL_REQUESTS = 2000


def _channel(actor: Actor, channel: str) -> BookingChannel:
    try:
        value = BookingChannel(str(channel).upper())
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, "Channel is PHONE, ONLINE, WALK_IN or PARTNER.", "channel"
        ) from None
    if actor.identity.kind == Kind.PARTNER and value != BookingChannel.PARTNER:
        raise DomainError(
            ErrorCode.INVALID, "Partners book through the PARTNER channel.", "channel"
        )
    if actor.identity.kind == Kind.GUEST and value != BookingChannel.ONLINE:
        raise DomainError(ErrorCode.INVALID, "Guests book through the ONLINE channel.", "channel")
    return value


# Who confirms bookings held for review (the roles granted booking:confirm by default).
REVIEWER_ROLES = ("supervisor", "booking_agent")


async def _ask_for_review(booking: Booking) -> None:
    """Tell the staff who confirm bookings that one waits for their review (P3.1.2)."""
    for account_id in await notifications.staff_with_roles(*REVIEWER_ROLES):
        await notifications.notify(
            account_id,
            "BOOKING_REVIEW_WAITING",
            f"Booking {booking.number} waits for review",
            booking.review_reason,
            subject_type="Booking",
            subject_id=booking.id,
        )


def _guest_language(actor: Actor) -> str:
    """The language of the guest's voucher and e-mails: a guest booking for themself reads the
    language of their request (their saved one or their browser's); for bookings taken by staff
    or partners, the hotel's default language."""
    return i18n.language() if actor.identity.kind == Kind.GUEST else i18n.default_language()


async def create_booking(
    actor: Actor,
    *,
    channel: str,
    room_type_id: int | str,
    check_in: dt.date,
    check_out: dt.date,
    guests: int,
    accepted_terms_version: str,
    member_id: int | str | None = None,
    guest: GuestDetails | None = None,
    special_requests: str = "",
    points_to_redeem: int = 0,
    idempotency_key: str | None = None,
    inquiry_id: int | None = None,
) -> Booking:
    """Take a booking (call inside an audited unit of work). Returns it CONFIRMED, or
    PENDING_REVIEW when staff must look at it first. With an idempotency key, a repeated
    request returns the booking the first one created. The inquiry it names, and a guest's
    own searches for the same stay, are converted with it (P1.2)."""
    scope = idempotency.scope_for("createBooking", actor)
    if idempotency_key is not None:
        request = {
            "channel": channel,
            "room_type_id": str(room_type_id),
            "check_in": check_in,
            "check_out": check_out,
            "guests": guests,
            "member_id": member_id,
            "guest": asdict(guest) if guest else None,
            "special_requests": special_requests,
            "points_to_redeem": points_to_redeem,
            "terms": accepted_terms_version,
            "inquiry_id": inquiry_id,
        }
        earlier = await idempotency.claim(scope, idempotency_key, request)
        if earlier is not None:
            return await Booking.get(id=int(earlier))

    booking_channel = _channel(actor, channel)
    if accepted_terms_version != await current_terms_version():
        raise DomainError(
            ErrorCode.STALE_TERMS,
            "The booking terms have changed: read and accept the current version.",
            "acceptedTermsVersion",
        )
    room_type = await inventory.get_room_type(room_type_id)
    await inventory.validate_stay(check_in, check_out)
    if not 1 <= guests <= room_type.capacity:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"{room_type.name} takes 1 to {room_type.capacity} guests.",
            "guests",
        )
    special_requests = (special_requests or "").strip()
    if len(special_requests) > MAX_SPECIAL_REQUESTS:
        raise DomainError(ErrorCode.INVALID, "Special requests are too long.", "specialRequests")
    party = await identify_party(actor, member_id, guest, points_to_redeem)
    inquiry = await inquiries.claimable(actor, inquiry_id)
    quote = await quote_stay(room_type, check_in, check_out, points_to_redeem)

    profile = await guest_profile_for(party)
    status, review_reason = await review_status(profile, party.member, quote.gross_amount)
    booking = await create_numbered_booking(
        status=status.value,
        channel=booking_channel.value,
        room_type_id=room_type.id,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        nights=len(quote.nightly_rates),
        guest_id=profile.id,
        member_id=party.member.id if party.member else None,
        special_requests=special_requests,
        gross_amount=quote.gross_amount,
        points_redeemed=quote.points_redeemed,
        points_value=quote.points_value,
        total_amount=quote.total_amount,
        currency=quote.currency,
        terms_version=accepted_terms_version,
        review_reason=review_reason,
        created_by_account_id=actor.account_id,
        created_by_token_id=actor.token_id,
        language=_guest_language(actor),
    )
    await nights.hold(booking, room_type.id, quote.nightly_rates)
    await inquiries.convert(actor, booking, inquiry)
    if party.member is not None and quote.points_redeemed:
        await members.reserve_points(party.member.id, quote.points_redeemed, booking_id=booking.id)
    if status == BookingStatus.CONFIRMED:
        await confirmation.confirm_new(booking, actor, profile)
    else:
        await _ask_for_review(booking)
    if idempotency_key is not None:
        await idempotency.complete(scope, idempotency_key, str(booking.id))
    return booking
