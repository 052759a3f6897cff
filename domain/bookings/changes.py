"""Booking changes (P3.1.4: a change requires the customer's written authorisation; an urgent
change requires three-level supervisor approval).

Written authorisation is one of:

- GUEST_CONFIRMED: the guest asks themself (a guest account that owns the booking), or presents
  a signed confirmation link token (`domain.bookings.change_links`) for exactly this change;
- WRITTEN_DOCUMENT: the guest's signed authorisation archived as a document (P3.2), referenced
  by its document name (`20261128-0042-...`) or database id; it must exist and not be removed.

Without one the request is refused with AUTHORIZATION_REQUIRED. A change is urgent when the
client says so, or when check-in (the earlier of the old and the new arrival, at the local
check-in time) is within `urgent_change_window_hours`. An urgent change takes the emergency path
of P4.1.2 (`domain.authority`): a supervisor or the director authorises it at once, which
applies it in the same transaction; the formal three-level approval of P3.1.4 by three
different people of rising rank (level 1 a supervisor; level 2 a supervisor or the director;
level 3 the director) then follows as the emergency's paperwork, due within
`emergency_paperwork_days`, reminded before and reported to the director when overdue. Other
changes apply at once. Applying re-checks availability and
re-prices: the nights not held already are allocated and the nights no longer needed released
in one pass, in the same transaction as the new price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from authz.identity import Kind
from domain import approvals, authority, i18n, inventory
from domain.actor import Actor
from domain.approval_handlers import handles
from domain.bookings import nights, sync
from domain.bookings.cancellation import check_in_moment
from domain.bookings.change_links import ChangeTarget, change_target, token_matches
from domain.bookings.pricing import StayQuote, quote_stay
from domain.bookings.queries import can_see, load_booking
from domain.bookings.states import OPEN_STATUSES, bump
from domain.clock import clock
from domain.documents.kinds import Status as DocumentStatus
from domain.errors import DomainError, ErrorCode
from domain.i18n import t
from domain.models import (
    ApprovalRequest,
    Booking,
    BookingChangeRequest,
    Document,
    InventoryNight,
    RoomType,
)
from domain.policy_params import params

URGENT_CHANGE_LEVELS = (("supervisor",), ("supervisor", "director"), ("director",))
EMERGENCY_LEVELS = (("supervisor", "director"),)
APPROVAL_KIND = "BOOKING_CHANGE"
HANDLER = "booking_change.decided"


class AuthorizationKind:
    GUEST_CONFIRMED = "GUEST_CONFIRMED"
    WRITTEN_DOCUMENT = "WRITTEN_DOCUMENT"


class ChangeStatus:
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"  # approved, but could no longer be applied (e.g. sold out meanwhile)


@dataclass(frozen=True)
class ChangeAuthorization:
    kind: str
    document_id: str | None = None
    confirmation_token: str | None = None


@dataclass(frozen=True)
class ChangeResult:
    change_request: BookingChangeRequest
    booking: Booking
    approval: ApprovalRequest | None

    @property
    def pk(self) -> int:
        return self.booking.id


def _authorize(
    actor: Actor, booking: Booking, target: ChangeTarget, authorization: ChangeAuthorization | None
) -> tuple[str, str | None]:
    if authorization is None or not authorization.kind:
        raise DomainError(
            ErrorCode.AUTHORIZATION_REQUIRED,
            "A change needs the guest's written authorisation.",
            "authorization",
        )
    kind = authorization.kind.strip().upper()
    if kind == AuthorizationKind.WRITTEN_DOCUMENT:
        document = (authorization.document_id or "").strip()
        if not document or len(document) > 120:
            raise DomainError(
                ErrorCode.AUTHORIZATION_REQUIRED,
                "Give the id of the signed document.",
                "authorization.documentId",
            )
        return kind, document
    if kind == AuthorizationKind.GUEST_CONFIRMED:
        if actor.identity.kind == Kind.GUEST and can_see(actor.identity, booking):
            return kind, None
        if authorization.confirmation_token and token_matches(
            authorization.confirmation_token, booking, target
        ):
            return kind, None
        raise DomainError(
            ErrorCode.AUTHORIZATION_REQUIRED,
            "Only the guest confirms a change: they ask themselves or use the confirmation "
            "link sent to them for this change.",
            "authorization",
        )
    raise DomainError(
        ErrorCode.AUTHORIZATION_REQUIRED,
        "Authorisation is GUEST_CONFIRMED or WRITTEN_DOCUMENT.",
        "authorization.kind",
    )


async def _archived_authorisation(reference: str) -> str:
    """The name of the archived document a WRITTEN_DOCUMENT authorisation points at: it must
    be on file and not removed, so a change can always be traced to the guest's signature."""
    query = Document.filter(status=DocumentStatus.ACTIVE)
    found = await (
        query.filter(id=int(reference)) if reference.isdigit() else query.filter(name=reference)
    ).first()
    if found is None:
        raise DomainError(
            ErrorCode.AUTHORIZATION_REQUIRED,
            "The signed authorisation is not in the document archive: upload it first.",
            "authorization.documentId",
        )
    return found.name


# ---- validation and application ---------------------------------------------------------------


async def _validate(booking: Booking, target: ChangeTarget) -> tuple[RoomType, StayQuote]:
    """Check the target stay like a new booking; return its room type and its new price."""
    if booking.status not in OPEN_STATUSES:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A booking that is {booking.status} cannot be changed.",
            "bookingId",
        )
    room_type = await inventory.get_room_type(target.room_type_id)
    await inventory.validate_stay(target.check_in, target.check_out)
    if not 1 <= target.guests <= room_type.capacity:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"{room_type.name} takes 1 to {room_type.capacity} guests.",
            "guests",
        )
    quote = await quote_stay(
        room_type,
        target.check_in,
        target.check_out,
        booking.points_redeemed,
        points_field="bookingId",
    )
    return room_type, quote


async def _precheck_availability(booking: Booking, target: ChangeTarget) -> None:
    """Refuse at once a change whose new nights are sold out now (an urgent change is
    allocated only when approved, and is re-checked then)."""
    held = {(n.room_type_id, n.date) for n in await nights.held(booking)}
    wanted = [
        day
        for day in inventory.stay_dates(target.check_in, target.check_out)
        if (target.room_type_id, day) not in held
    ]
    if not wanted:
        return
    rows = await InventoryNight.filter(room_type_id=target.room_type_id, date__in=wanted)
    free = {row.date for row in rows if row.sold < row.capacity}
    if any(day not in free for day in wanted):
        raise DomainError(
            ErrorCode.ROOM_UNAVAILABLE,
            "No room of this type is available for the new dates.",
            "roomTypeId",
        )


async def _apply(booking: Booking, target: ChangeTarget) -> None:
    room_type, quote = await _validate(booking, target)
    await nights.move(booking, room_type.id, quote.nightly_rates)
    await bump(
        booking,
        check_in=target.check_in,
        check_out=target.check_out,
        room_type_id=room_type.id,
        guests=target.guests,
        nights=len(quote.nightly_rates),
        gross_amount=quote.gross_amount,
        total_amount=quote.total_amount,
        currency=quote.currency,
    )
    booking.room_type = room_type
    lang = booking.language
    await sync.announce(
        booking,
        "booking.changed",
        t(lang, "Booking {number} changed", number=booking.number),
        t(
            lang,
            "Your booking {number} is now {arrival} to {departure}, {room}, {guests} guest(s). "
            "Amount: {amount}.",
            number=booking.number,
            arrival=i18n.format_date(booking.check_in, lang),
            departure=i18n.format_date(booking.check_out, lang),
            room=room_type.name,
            guests=booking.guests,
            amount=i18n.format_money(booking.total_amount, booking.currency, lang),
        ),
    )


async def is_urgent(booking: Booking, target: ChangeTarget) -> bool:
    hours = await params.urgent_change_window_hours
    arrival = await check_in_moment(min(booking.check_in, target.check_in))
    return clock.now() >= arrival - dt.timedelta(hours=hours)


async def request_booking_change(
    actor: Actor,
    booking_id: int | str,
    *,
    authorization: ChangeAuthorization | None,
    check_in: dt.date | None = None,
    check_out: dt.date | None = None,
    room_type_id: int | str | None = None,
    guests: int | None = None,
    urgent: bool = False,
    reason: str = "",
) -> ChangeResult:
    """Request a change (inside an audited unit of work). Applied at once unless urgent; an
    urgent one returns the change request PENDING_APPROVAL with its approval request."""
    booking = await load_booking(actor, booking_id)
    target = change_target(booking, check_in, check_out, room_type_id, guests)
    unchanged = ChangeTarget(
        booking.check_in, booking.check_out, booking.room_type_id, booking.guests
    )
    if target == unchanged:
        raise DomainError(ErrorCode.INVALID, "The request changes nothing.", "bookingId")
    kind, document = _authorize(actor, booking, target, authorization)
    if document is not None:
        document = await _archived_authorisation(document)
    _, quote = await _validate(booking, target)
    new_total = quote.total_amount
    await _precheck_availability(booking, target)
    if await BookingChangeRequest.filter(
        booking_id=booking.id, status=ChangeStatus.PENDING_APPROVAL
    ).exists():
        raise DomainError(
            ErrorCode.CONFLICT,
            "A change of this booking is waiting for approval already.",
            "bookingId",
        )
    urgent = urgent or await is_urgent(booking, target)
    change = await BookingChangeRequest.create(
        booking_id=booking.id,
        status=ChangeStatus.PENDING_APPROVAL if urgent else ChangeStatus.APPLIED,
        urgent=urgent,
        authorization_kind=kind,
        authorization_document_id=document,
        old_check_in=booking.check_in,
        old_check_out=booking.check_out,
        old_room_type_id=booking.room_type_id,
        old_guests=booking.guests,
        old_total=booking.total_amount,
        new_check_in=target.check_in,
        new_check_out=target.check_out,
        new_room_type_id=target.room_type_id,
        new_guests=target.guests,
        new_total=new_total,
        requested_by_ref=actor.identity.actor_ref,
    )
    if not urgent:
        await _apply(booking, target)
        change.applied_at = clock.now()
        await change.save(update_fields=["applied_at"])
        return ChangeResult(change, booking, None)
    # P4.1.2: a supervisor (or the director) authorises at once; the three-level formal
    # approval of P3.1.4 follows as paperwork once the change is applied.
    approval = await approvals.submit_approval(
        actor,
        kind=APPROVAL_KIND,
        levels=EMERGENCY_LEVELS,
        emergency=True,
        subject_type="BookingChangeRequest",
        subject_id=change.id,
        amount=new_total,
        currency=booking.currency,
        reason=(
            reason.strip()
            or f"Urgent change of booking {booking.number}: {target.check_in.isoformat()} to "
            f"{target.check_out.isoformat()}, room type {target.room_type_id}, "
            f"{target.guests} guest(s)."
        ),
        due_at=max(
            await check_in_moment(min(booking.check_in, target.check_in)),
            clock.now() + dt.timedelta(hours=1),
        ),
        handler=HANDLER,
    )
    change.approval_id = approval.id
    await change.save(update_fields=["approval_id"])
    return ChangeResult(change, booking, approval)


@handles(HANDLER)
async def on_approval_decided(request: ApprovalRequest) -> None:
    """Approval handler: apply an approved change (or record why it could not be applied),
    close a rejected or expired one. Runs in the deciding transaction."""
    change = await BookingChangeRequest.get_or_none(approval_id=request.id)
    if change is None or change.status != ChangeStatus.PENDING_APPROVAL:
        return
    if request.status != approvals.ApprovalStatus.APPROVED:
        change.status = (
            ChangeStatus.REJECTED
            if request.status == approvals.ApprovalStatus.REJECTED
            else ChangeStatus.EXPIRED
        )
        await change.save(update_fields=["status"])
        return
    booking = await Booking.filter(id=change.booking_id).select_for_update().first()
    target = ChangeTarget(
        change.new_check_in, change.new_check_out, change.new_room_type_id, change.new_guests
    )
    try:
        async with in_transaction():  # a savepoint: a failed application leaves the decision
            await _apply(booking, target)
    except DomainError as failure:
        change.status = ChangeStatus.FAILED
        change.failure_reason = f"{failure.code}: {failure.message}"
        await change.save(update_fields=["status", "failure_reason"])
        return
    change.status = ChangeStatus.APPLIED
    change.applied_at = clock.now()
    await change.save(update_fields=["status", "applied_at"])
    if request.emergency:
        await authority.open_paperwork(request, URGENT_CHANGE_LEVELS)


async def get_change_request(
    identity, change_id: int, *, own_only: bool = False
) -> BookingChangeRequest | None:
    change = await BookingChangeRequest.get_or_none(id=change_id)
    if change is None:
        return None
    booking = await Booking.get(id=change.booking_id)
    return change if can_see(identity, booking, own_only=own_only) else None
