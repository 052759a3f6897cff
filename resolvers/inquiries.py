"""Inquiries and conversion through the API (P3.1.1 inquiry intake, P1.2 conversion and
repeat-purchase goals): the inquiry list and node, recording an inquiry, marking one lost, the
conversion statistics, and the recording of a signed-in guest's availability search.

Resolvers only: the field's permission has been checked, one domain service does the work
(mutations inside `run_audited`'s unit of work) and a `DomainError` becomes payload errors (a
query's refused arguments: a BAD_REQUEST error). Ownership (P6.1.2) is the domain's: guests see
their own inquiries, partner tokens what they recorded; a staff role granted only `_own` sees
the inquiries its account took.
"""

from __future__ import annotations

import datetime as dt

import strawberry

from authz.enforcer import Access
from authz.identity import Kind
from domain import inquiries
from domain.bookings import GuestDetails
from domain.errors import DomainError, ErrorCode
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.errors import ApiError
from schema.types.inquiries import (
    ConversionStats,
    Inquiry,
    InquiryFilter,
    InquiryPayload,
    MarkInquiryLostInput,
    RecordInquiryInput,
    StatsGrouping,
    StatsPeriodInput,
)
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id


def _own_only(info: strawberry.Info, action: str = "read") -> bool:
    return access_of(info, "inquiry", action) == Access.OWN


def _bad_request(refusal: DomainError) -> ApiError:
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


def _optional_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else parse_global_id(value, type_name, field)


def _criteria(given: InquiryFilter | None) -> inquiries.InquiryFilter:
    if given is None:
        return inquiries.InquiryFilter()
    try:
        staff = _optional_id(given.taken_by_staff_id, "StaffAccount", "filter.takenByStaffId")
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return inquiries.InquiryFilter(
        status=[s.value for s in given.status] if given.status else None,
        channel=[c.value for c in given.channel] if given.channel else None,
        taken_by_account_id=staff,
        recorded_from=given.recorded_from,
        recorded_to=given.recorded_to,
    )


async def list_inquiries(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: InquiryFilter | None = None,
) -> Connection[Inquiry]:
    size = page_size(first)
    page = await inquiries.list_inquiries(
        info.context.identity,
        _criteria(filter),
        first=max(size, 1),
        after_id=decode_cursor(after) if after else None,
        own_only=_own_only(info),
    )
    return connection(
        page.items[:size],
        has_next=page.has_next_page or len(page.items) > size,
        count=page.total_count,
        after=after,
        to_node=Inquiry.of,
    )


async def conversion_stats(
    info: strawberry.Info,
    period: StatsPeriodInput,
    group_by: StatsGrouping = StatsGrouping.CHANNEL,
) -> ConversionStats:
    try:
        result = await inquiries.conversion_stats(period.from_, period.to, group_by)
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return ConversionStats.of(result)


@register("Inquiry", "inquiry")
async def _inquiry_node(info: strawberry.Info, pk: int, access: Access) -> Inquiry | None:
    row = await inquiries.get_inquiry(info.context.identity, pk, own_only=access == Access.OWN)
    return row and Inquiry.of(row)


def record_search(
    info: strawberry.Info, check_in: dt.date, check_out: dt.date, guests: int
) -> None:
    """Count a signed-in guest's availability search as an inquiry, once the answer is sent
    (nothing for other callers, so staff and anonymous searches cost nothing more)."""
    identity = info.context.identity
    if identity.kind != Kind.GUEST:
        return
    info.context.after_response(
        lambda: inquiries.record_search(identity, check_in, check_out, guests)
    )


# ---- mutations ----------------------------------------------------------------------------


async def record_inquiry(info: strawberry.Info, input: RecordInquiryInput) -> InquiryPayload:
    contact = input.contact
    budget = input.budget

    async def work():
        return await inquiries.record_inquiry(
            info.context.actor,
            channel=input.channel.value,
            check_in=input.check_in,
            check_out=input.check_out,
            guests=input.guests,
            room_type_id=_optional_id(input.room_type_id, "RoomType", "roomTypeId"),
            budget_amount=budget.amount if budget else None,
            budget_currency=budget.currency if budget else None,
            notes=input.notes,
            member_id=_optional_id(input.member_id, "Member", "memberId"),
            contact=contact
            and GuestDetails(
                full_name=contact.full_name,
                phone=contact.phone,
                email=contact.email,
                id_document_number=contact.id_document_number,
            ),
        )

    row, errors = await run_audited(info, "recordInquiry", "Inquiry", work)
    return InquiryPayload(inquiry=row and Inquiry.of(row), errors=errors)


async def mark_inquiry_lost(info: strawberry.Info, input: MarkInquiryLostInput) -> InquiryPayload:
    async def work():
        pk = parse_global_id(input.inquiry_id, "Inquiry", "inquiryId")
        if _own_only(info, "mark_lost") and not await inquiries.get_inquiry(
            info.context.identity, pk, own_only=True
        ):
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such inquiry.", "inquiryId")
        return await inquiries.mark_lost(info.context.actor, pk, input.reason.value, input.note)

    row, errors = await run_audited(info, "markInquiryLost", "Inquiry", work)
    return InquiryPayload(inquiry=row and Inquiry.of(row), errors=errors)
