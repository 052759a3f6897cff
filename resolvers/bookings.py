"""Rooms and bookings through the API: room types, availability, the booking terms, bookings
(list, by number, by node id), vouchers, cancellation quotes, and the booking mutations
(P3.1.1 intake, P3.1.2 eligibility, P3.1.3 confirmation and voucher, P3.1.4 changes with
written authorisation and urgent approvals, P3.1.5 cancellation and refunds, P6.1.1 terms).

Resolvers only: the caller comes from the context, the field's permission has been checked,
one domain service does the work (mutations inside `perform`'s audited unit of work) and a
`DomainError` becomes payload errors. Ownership (P6.1.2): the domain's readers and services
filter by identity (a guest sees their own bookings, a partner token what it created). When
the matrix grants a staff role an action only `_own`, "own" means the bookings that account
took, and the resolvers narrow the domain's view to those.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from authz.enforcer import Access
from authz.identity import Kind
from domain import bookings, inventory
from domain.bookings.changes import get_change_request
from domain.errors import DomainError, ErrorCode
from domain.models import Refund as RefundRow
from domain.models import Room as RoomRow
from resolvers import inquiries as inquiry_resolvers
from resolvers.dual_review import pending_of
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.booking_changes import (
    BookingChangeRequest,
)
from schema.types.bookings import (
    Booking,
    BookingActionInput,
    BookingChangePayload,
    BookingFilter,
    BookingPayload,
    BookingTerms,
    CancelBookingInput,
    CancelBookingPayload,
    CancellationQuote,
    CancellationQuoteResult,
    ChangeConfirmationPayload,
    ConfirmBookingInput,
    CreateBookingInput,
    IssueChangeConfirmationInput,
    Refund,
    RequestBookingChangeInput,
    VoucherBooking,
    VoucherVerification,
)
from schema.types.errors import ApiError, user_errors
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id
from schema.types.rooms import (
    Room,
    RoomType,
    RoomTypeAvailability,
)

NOT_FOUND = "There is no such booking."


# ---- helpers ------------------------------------------------------------------------------


def _own_only(info: strawberry.Info, action: str = "read") -> bool:
    """Whether the grant for `action` reaches only the caller's own bookings (a staff role
    granted `*_own`; guests and partners are always limited to their own by the domain)."""
    return access_of(info, "booking", action) == Access.OWN


async def _booking_id(info: strawberry.Info, value: strawberry.ID, action: str) -> int:
    """The database id of the booking the mutation acts on; NOT_FOUND when the grant reaches
    only the caller's own bookings and this is not one of them."""
    pk = parse_global_id(value, "Booking", "bookingId")
    identity = info.context.identity
    if _own_only(info, action) and await bookings.get_booking(identity, pk, own_only=True) is None:
        raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "bookingId")
    return pk


def _optional_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else parse_global_id(value, type_name, field)


def _bad_request(refusal: DomainError) -> ApiError:
    """A query's refused arguments: a top-level error with the field and the domain's code."""
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


# ---- rooms, availability, terms -----------------------------------------------------------


async def room_types(info: strawberry.Info) -> list[RoomType]:
    return [RoomType.of(row) for row in await inventory.list_room_types()]


async def rooms(
    info: strawberry.Info, room_type_id: strawberry.ID | None = None, free_only: bool = False
) -> list[Room]:
    """The hotel's active rooms (for choosing one at check-in)."""
    try:
        type_pk = _optional_id(room_type_id, "RoomType", "roomTypeId")
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return [Room.of(row) for row in await inventory.list_rooms(type_pk, free_only=free_only)]


async def availability(
    info: strawberry.Info, check_in: dt.date, check_out: dt.date, guests: int | None = 1
) -> list[RoomTypeAvailability]:
    party = 1 if guests is None else guests
    try:
        offers = await inventory.availability(check_in, check_out, party)
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    # A signed-in guest's search is an online inquiry (P3.1.1), recorded after the answer.
    inquiry_resolvers.record_search(info, check_in, check_out, party)
    return [RoomTypeAvailability.of(offer) for offer in offers]


async def booking_terms(info: strawberry.Info) -> BookingTerms:
    return BookingTerms.of(await bookings.booking_terms())


# ---- bookings -----------------------------------------------------------------------------


def _criteria(given: BookingFilter | None) -> bookings.BookingFilter:
    if given is None:
        return bookings.BookingFilter()
    try:
        room_type_pk = _optional_id(given.room_type_id, "RoomType", "filter.roomTypeId")
        member_pk = _optional_id(given.member_id, "Member", "filter.memberId")
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return bookings.BookingFilter(
        status=[s.value for s in given.status] if given.status else None,
        channel=[c.value for c in given.channel] if given.channel else None,
        check_in_from=given.check_in_from,
        check_in_to=given.check_in_to,
        staying_on=given.staying_on,
        guest=given.guest,
        room_type_id=room_type_pk,
        member_id=member_pk,
    )


async def list_bookings(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: BookingFilter | None = None,
) -> Connection[Booking]:
    size = page_size(first)
    page = await bookings.list_bookings(
        info.context.identity,
        _criteria(filter),
        first=max(size, 1),
        after_id=decode_cursor(after) if after else None,
        own_only=_own_only(info),
    )
    await Booking.prime_page(info, page.items[:size])
    return connection(
        page.items[:size],
        has_next=page.has_next_page or len(page.items) > size,
        count=page.total_count,
        after=after,
        to_node=Booking.of,
    )


async def booking(info: strawberry.Info, number: str) -> Booking | None:
    row = await bookings.get_booking_by_number(
        info.context.identity, number, own_only=_own_only(info)
    )
    return row and Booking.of(row)


async def cancellation_quote(
    info: strawberry.Info, booking_id: strawberry.ID
) -> CancellationQuoteResult:
    try:
        pk = parse_global_id(booking_id, "Booking", "bookingId")
        row = await bookings.get_booking(info.context.identity, pk, own_only=_own_only(info))
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "bookingId")
        quote = await bookings.cancellation_quote(row)
    except DomainError as refusal:
        return CancellationQuoteResult(errors=user_errors(refusal))
    return CancellationQuoteResult(quote=CancellationQuote.of(quote))


async def verify_voucher(info: strawberry.Info, code: str) -> VoucherVerification:
    result = await bookings.verify_voucher(code)
    return VoucherVerification(
        valid=result.valid,
        booking=result.booking and VoucherBooking.of(result.booking),
        reason=result.reason,
    )


# ---- node(id:) ----------------------------------------------------------------------------


@register("Booking", "booking")
async def _booking_node(info: strawberry.Info, pk: int, access: Access) -> Booking | None:
    row = await bookings.get_booking(info.context.identity, pk, own_only=access == Access.OWN)
    return row and Booking.of(row)


@register("BookingChangeRequest", "booking")
async def _change_node(
    info: strawberry.Info, pk: int, access: Access
) -> BookingChangeRequest | None:
    row = await get_change_request(info.context.identity, pk, own_only=access == Access.OWN)
    return row and BookingChangeRequest.of(row)


@register("Refund", "booking")
async def _refund_node(info: strawberry.Info, pk: int, access: Access) -> Refund | None:
    row = await RefundRow.get_or_none(id=pk)
    if row is None:
        return None
    visible = await bookings.get_booking(
        info.context.identity, row.booking_id, own_only=access == Access.OWN
    )
    return Refund.of(row) if visible else None


@register("RoomType", "room_type")
async def _room_type_node(info: strawberry.Info, pk: int, access: Access) -> RoomType | None:
    try:
        return RoomType.of(await inventory.get_room_type(pk))
    except DomainError:
        return None


@register("Room", "room")
async def _room_node(info: strawberry.Info, pk: int, access: Access) -> Room | None:
    row = await RoomRow.get_or_none(id=pk)
    return row and Room.of(row)


# ---- mutations ----------------------------------------------------------------------------


def _booking_payload(row, errors) -> BookingPayload:
    return BookingPayload(booking=row and Booking.of(row), errors=errors)


async def create_booking(info: strawberry.Info, input: CreateBookingInput) -> BookingPayload:
    guest = input.guest

    async def work():
        return await bookings.create_booking(
            info.context.actor,
            channel=input.channel.value,
            room_type_id=parse_global_id(input.room_type_id, "RoomType", "roomTypeId"),
            check_in=input.check_in,
            check_out=input.check_out,
            guests=input.guests,
            accepted_terms_version=input.accepted_terms_version,
            member_id=_optional_id(input.member_id, "Member", "memberId"),
            guest=guest
            and bookings.GuestDetails(
                full_name=guest.full_name,
                phone=guest.phone,
                email=guest.email,
                id_document_number=guest.id_document_number,
            ),
            special_requests=input.special_requests or "",
            points_to_redeem=input.points_to_redeem or 0,
            idempotency_key=input.idempotency_key,
            inquiry_id=_optional_id(input.inquiry_id, "Inquiry", "inquiryId"),
        )

    return _booking_payload(*await run_audited(info, "createBooking", "Booking", work))


async def confirm_booking(info: strawberry.Info, input: ConfirmBookingInput) -> BookingPayload:
    async def work():
        pk = await _booking_id(info, input.booking_id, "confirm")
        return await bookings.confirm_booking(info.context.actor, pk)

    return _booking_payload(*await run_audited(info, "confirmBooking", "Booking", work))


async def request_booking_change(
    info: strawberry.Info, input: RequestBookingChangeInput
) -> BookingChangePayload:
    authorization = input.authorization

    async def work():
        pk = await _booking_id(info, input.booking_id, "change")
        return await bookings.request_booking_change(
            info.context.actor,
            pk,
            authorization=bookings.ChangeAuthorization(
                kind=authorization.kind.value,
                document_id=authorization.document_id,
                confirmation_token=authorization.confirmation_token,
            ),
            check_in=input.check_in,
            check_out=input.check_out,
            room_type_id=_optional_id(input.room_type_id, "RoomType", "roomTypeId"),
            guests=input.guests,
            urgent=bool(input.urgent),
            reason=input.reason,
        )

    result, errors = await run_audited(info, "requestBookingChange", "Booking", work)
    if errors:
        return BookingChangePayload(errors=errors)
    return BookingChangePayload(
        change_request=BookingChangeRequest.of(result.change_request),
        booking=Booking.of(result.booking),
    )


async def cancel_booking(info: strawberry.Info, input: CancelBookingInput) -> CancelBookingPayload:
    async def work():
        pk = await _booking_id(info, input.booking_id, "cancel")
        return await bookings.cancel_booking(
            info.context.actor, pk, input.reason, input.idempotency_key
        )

    result, errors = await run_audited(info, "cancelBooking", "Booking", work)
    if errors:
        return CancelBookingPayload(errors=errors)
    # Staff see the review a refund above the limit waits for; a guest sees the refund's status.
    staff = info.context.identity.kind == Kind.STAFF
    return CancelBookingPayload(
        booking=Booking.of(result.booking),
        refund=Refund.of(result.refund),
        pending_operation=pending_of(info, result.review) if staff else None,
    )


async def check_in_booking(info: strawberry.Info, input: BookingActionInput) -> BookingPayload:
    async def work():
        pk = await _booking_id(info, input.booking_id, "check_in")
        room = _optional_id(input.room_id, "Room", "roomId")
        return await bookings.check_in(info.context.actor, pk, room)

    return _booking_payload(*await run_audited(info, "checkInBooking", "Booking", work))


async def check_out_booking(info: strawberry.Info, input: BookingActionInput) -> BookingPayload:
    async def work():
        pk = await _booking_id(info, input.booking_id, "check_out")
        return await bookings.check_out(info.context.actor, pk)

    return _booking_payload(*await run_audited(info, "checkOutBooking", "Booking", work))


async def mark_no_show(info: strawberry.Info, input: BookingActionInput) -> BookingPayload:
    async def work():
        pk = await _booking_id(info, input.booking_id, "mark_no_show")
        return await bookings.mark_no_show(info.context.actor, pk)

    result, errors = await run_audited(info, "markNoShow", "Booking", work)
    if errors:
        return BookingPayload(errors=errors)
    # As cancelBooking: staff see the review a refund above the limit waits for.
    staff = info.context.identity.kind == Kind.STAFF
    return BookingPayload(
        booking=Booking.of(result.booking),
        pending_operation=pending_of(info, result.review) if staff else None,
    )


async def issue_change_confirmation(
    info: strawberry.Info, input: IssueChangeConfirmationInput
) -> ChangeConfirmationPayload:
    """A signed token for the guest's confirmation link of exactly this change (P3.1.4)."""

    async def work() -> bookings.IssuedConfirmation:
        pk = parse_global_id(input.booking_id, "Booking", "bookingId")
        row = await bookings.get_booking(
            info.context.identity, pk, own_only=_own_only(info, "issue_change_confirmation")
        )
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, NOT_FOUND, "bookingId")
        return bookings.issue_change_confirmation(
            row,
            valid_for_hours=input.valid_for_hours,
            check_in=input.check_in,
            check_out=input.check_out,
            room_type_id=_optional_id(input.room_type_id, "RoomType", "roomTypeId"),
            guests=input.guests,
        )

    issued, errors = await run_audited(info, "issueChangeConfirmation", "Booking", work)
    if errors:
        return ChangeConfirmationPayload(errors=errors)
    return ChangeConfirmationPayload(confirmation_token=issued.token, expires_at=issued.expires_at)
