"""Recording inquiries (P3.1.1: inquiries by phone, online, walk-in or through a partner, the
needs recorded) and closing one as lost (P1.2: what did not convert, and why).

Everything is checked before anything is kept: a refused request raises `DomainError` and the
caller's unit of work rolls back. Staff record inquiries of any channel; a partner token records
them through the PARTNER channel; a signed-in guest's online availability searches are recorded
by `record_search`, cheaply and at most once per guest, search and hotel-local day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from decimal import Decimal

from authz.identity import Identity, Kind
from domain import inventory, members, money
from domain.actor import Actor
from domain.bookings.profiles import GuestDetails, create_temporary_profile, validate_details
from domain.bookings.states import BookingChannel
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.inquiries.queries import visible_inquiries
from domain.inquiries.states import InquiryStatus, LostReason
from domain.models import Inquiry

log = logging.getLogger(__name__)

MAX_PARTY = 50  # a group inquiry larger than this is a negotiation, not a room inquiry
MAX_NOTES = 2000
NOT_FOUND = "There is no such inquiry."


def _channel(actor: Actor, channel: str) -> BookingChannel:
    try:
        value = BookingChannel(str(channel).upper())
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, "Channel is PHONE, ONLINE, WALK_IN or PARTNER.", "channel"
        ) from None
    if actor.identity.kind == Kind.PARTNER and value != BookingChannel.PARTNER:
        raise DomainError(
            ErrorCode.INVALID, "Partners record inquiries through the PARTNER channel.", "channel"
        )
    return value


def _notes(text: str | None, field: str = "notes") -> str:
    text = (text or "").strip()
    if len(text) > MAX_NOTES:
        raise DomainError(ErrorCode.TOO_LONG, f"{field} has at most {MAX_NOTES} characters.", field)
    return text


def _budget(amount: Decimal | None, currency: str | None) -> tuple[Decimal | None, str | None]:
    """A budget is a well-formed amount above zero, in a currency in circulation (CNY unless
    said otherwise)."""
    if amount is None:
        return None, None
    value = money.check_bounds(
        money.parse_amount(amount, "budget.amount"),
        "budget.amount",
        minimum=money.CENT,
        maximum=money.LARGEST,
        what="A budget",
    )
    return value, money.parse_currency(currency or "CNY", "budget.currency")


async def record_inquiry(
    actor: Actor,
    *,
    channel: str,
    check_in: dt.date,
    check_out: dt.date,
    guests: int,
    room_type_id: int | None = None,
    budget_amount: Decimal | None = None,
    budget_currency: str | None = None,
    notes: str | None = None,
    member_id: int | None = None,
    contact: GuestDetails | None = None,
) -> Inquiry:
    """Record an inquiry taken by staff or a partner (call inside an audited unit of work)."""
    identity = actor.identity
    if identity.kind not in (Kind.STAFF, Kind.PARTNER, Kind.SYSTEM):
        raise DomainError(ErrorCode.FORBIDDEN, "Staff and partners record inquiries.", "channel")
    value = _channel(actor, channel)
    await inventory.validate_stay(check_in, check_out)
    room_type = None
    if room_type_id is not None:
        room_type = await inventory.get_room_type(room_type_id)
    most = room_type.capacity if room_type is not None else MAX_PARTY
    if not 1 <= guests <= most:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"A party is 1 to {most} guests.", "guests")
    amount, currency = _budget(budget_amount, budget_currency)
    text = _notes(notes)
    if member_id is not None and contact is not None:
        raise DomainError(
            ErrorCode.INVALID, "Name a member or give contact details, not both.", "contact"
        )
    member = None
    if member_id is not None:
        if identity.kind == Kind.PARTNER:
            raise DomainError(ErrorCode.FORBIDDEN, "Partners give contact details.", "memberId")
        member = await members.get_member(member_id)
    details = validate_details(contact, "contact") if contact is not None else None
    guest_id = member.guest_profile_id if member is not None else None
    if details is not None:
        guest_id = (await create_temporary_profile(details)).id
    return await Inquiry.create(
        channel=value.value,
        status=InquiryStatus.OPEN.value,
        check_in=check_in,
        check_out=check_out,
        guests=guests,
        room_type_id=room_type.id if room_type is not None else None,
        budget_amount=amount,
        budget_currency=currency,
        notes=text,
        taken_by_account_id=actor.account_id if identity.kind == Kind.STAFF else None,
        taken_by_token_id=actor.token_id,
        guest_id=guest_id,
        member_id=member.id if member is not None else None,
    )


async def load_inquiry(actor: Actor, inquiry_id: int, field: str = "inquiryId") -> Inquiry:
    """The inquiry a service acts on, locked on PostgreSQL; NOT_FOUND when the actor may not
    see it, so other people's inquiries are indistinguishable from missing ones."""
    row = await visible_inquiries(actor.identity).filter(id=inquiry_id).select_for_update().first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, field)
    return row


def require_open(inquiry: Inquiry, field: str = "inquiryId") -> None:
    if inquiry.status == InquiryStatus.CONVERTED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The inquiry became a booking already.", field
        )
    if inquiry.status != InquiryStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "The inquiry was lost already.", field)


async def close(inquiry: Inquiry, field: str = "inquiryId", **changes) -> Inquiry:
    """Move an OPEN inquiry to its outcome with a conditional update, so two requests closing
    the same inquiry at once cannot both succeed."""
    require_open(inquiry, field)
    changes["closed_at"] = clock.now()
    updated = await Inquiry.filter(id=inquiry.id, status=InquiryStatus.OPEN.value).update(**changes)
    if not updated:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "The inquiry is closed already.", field)
    for name, value in changes.items():
        setattr(inquiry, name, value)
    return inquiry


async def mark_lost(actor: Actor, inquiry_id: int, reason: str, note: str | None = None) -> Inquiry:
    """Close an open inquiry as lost, with a reason code and, for OTHER, a note saying why."""
    try:
        code = LostReason(str(reason).upper())
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "There is no such reason.", "reason") from None
    text = _notes(note, "note")
    if code == LostReason.OTHER and not text:
        raise DomainError(ErrorCode.REQUIRED, "Say why the inquiry was lost.", "note")
    inquiry = await load_inquiry(actor, inquiry_id)
    return await close(
        inquiry, status=InquiryStatus.LOST.value, lost_reason=code.value, lost_note=text
    )


def search_key(account_id: int, check_in: dt.date, check_out: dt.date, guests: int) -> str:
    """One key per guest, identical search and hotel-local day."""
    text = f"{account_id}|{check_in}|{check_out}|{guests}|{clock.today()}"
    return hashlib.sha256(text.encode()).hexdigest()


async def record_search(
    identity: Identity, check_in: dt.date, check_out: dt.date, guests: int
) -> None:
    """Record a signed-in guest's online availability search as an ONLINE inquiry (P3.1.1).

    Called after the search was answered (the caller runs it once the response is sent), it
    costs one INSERT that the unique search key turns into a no-op for a search the guest has
    made already today (ON CONFLICT DO NOTHING / INSERT OR IGNORE): no read first, no lock,
    no audit entry (a search is not an action on anyone's data). It never raises: a lost
    search record must not fail or slow the search."""
    if identity.kind != Kind.GUEST or identity.id is None or not 1 <= guests <= MAX_PARTY:
        return  # (a party no inquiry could be about is not recorded either)
    try:
        row = Inquiry(
            channel=BookingChannel.ONLINE.value,
            status=InquiryStatus.OPEN.value,
            check_in=check_in,
            check_out=check_out,
            guests=guests,
            guest_account_id=identity.id,
            member_id=identity.member_id,
            search_key=search_key(identity.id, check_in, check_out, guests),
        )
        await Inquiry.bulk_create([row], ignore_conflicts=True)
    except Exception:
        log.exception("could not record the availability search of account %s", identity.id)
