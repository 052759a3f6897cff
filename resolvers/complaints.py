"""Complaints through the API: the list, the KPIs, and filing, taking, answering, handing
over, joining, resolving, reopening and rating (P3.1.6 first-contact responsibility and tiered
handling, P3.1.9 the 5+X rule).

Resolvers only: the field's permission has been checked, one domain service does the work in
`run_audited`'s unit of work, and a `DomainError` becomes payload errors. Ownership (P6.1.2):
the domain reads complaints through `visible_to` (a guest their own; a role granted only
`_own`, the booking agent, the complaints they recorded).
"""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import complaints
from domain.complaints import service
from domain.errors import DomainError
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.complaints import (
    Complaint,
    ComplaintActionInput,
    ComplaintFilter,
    ComplaintKpis,
    ComplaintPayload,
    FileComplaintInput,
    HandOverComplaintInput,
    JoinComplaintInput,
    KpiPeriodInput,
    RateComplaintResolutionInput,
    ReopenComplaintInput,
    ResolveComplaintInput,
    RespondToComplaintInput,
)
from schema.types.errors import ApiError
from schema.types.relay import Connection, paginate, parse_global_id


def _own_only(info: strawberry.Info, action: str) -> bool:
    """A staff role granted `action` only on its own complaints (the ones it recorded)."""
    return (
        access_of(info, "complaint", action) == Access.OWN
        and info.context.identity.kind.value == "STAFF"
    )


def _complaint_id(value: strawberry.ID) -> int:
    return parse_global_id(value, "Complaint", "complaintId")


def _bad_request(refusal: DomainError) -> ApiError:
    """A query's refused arguments: a top-level error with the field and the domain's code."""
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


async def list_complaints(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ComplaintFilter | None = None,
) -> Connection[Complaint]:
    identity = info.context.identity
    f = filter or ComplaintFilter()
    try:
        booking_pk = (
            None if f.booking_id is None else parse_global_id(f.booking_id, "Booking", "bookingId")
        )
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    domain_filter = complaints.queries.ComplaintFilter(
        status=[s.value for s in f.status] if f.status else None,
        severity=[s.value for s in f.severity] if f.severity else None,
        category=[c.value for c in f.category] if f.category else None,
        mine_account_id=identity.id if f.mine else None,
        unassigned=f.unassigned,
        escalated=f.escalated,
        booking_id=booking_pk,
    )
    query = complaints.queries.matching(identity, domain_filter, own_only=_own_only(info, "read"))
    return await paginate(query, first, after, Complaint.of)


async def complaint_kpis(
    info: strawberry.Info, period: KpiPeriodInput, representative_id: strawberry.ID | None = None
) -> ComplaintKpis:
    try:
        account_pk = (
            None
            if representative_id is None
            else parse_global_id(representative_id, "StaffAccount", "representativeId")
        )
        found = await complaints.kpis.kpis(period.start, period.end, account_pk)
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return ComplaintKpis.of(found)


async def _complaint_mutation(info: strawberry.Info, action: str, work) -> ComplaintPayload:
    row, errors = await run_audited(info, action, "Complaint", work)
    return ComplaintPayload(complaint=row and Complaint.of(row), errors=errors)


async def file_complaint(info: strawberry.Info, input: FileComplaintInput) -> ComplaintPayload:
    async def work():
        booking_pk = (
            None
            if input.booking_id is None
            else parse_global_id(input.booking_id, "Booking", "bookingId")
        )
        member_pk = (
            None
            if input.member_id is None
            else parse_global_id(input.member_id, "Member", "memberId")
        )
        new = service.NewComplaint(
            channel=input.channel.value,
            severity=input.severity.value,
            category=input.category.value,
            description=input.description,
            booking_id=booking_pk,
            member_id=member_pk,
            contact_name=input.contact_name,
            contact_phone=input.contact_phone,
        )
        return await service.file(info.context.actor, new)

    return await _complaint_mutation(info, "fileComplaint", work)


async def take_complaint(info: strawberry.Info, input: ComplaintActionInput) -> ComplaintPayload:
    async def work():
        return await service.take(info.context.actor, _complaint_id(input.complaint_id))

    return await _complaint_mutation(info, "takeComplaint", work)


async def respond_to_complaint(
    info: strawberry.Info, input: RespondToComplaintInput
) -> ComplaintPayload:
    async def work():
        return await service.respond(
            info.context.actor, _complaint_id(input.complaint_id), input.message
        )

    return await _complaint_mutation(info, "respondToComplaint", work)


async def hand_over_complaint(
    info: strawberry.Info, input: HandOverComplaintInput
) -> ComplaintPayload:
    async def work():
        complaint_pk = _complaint_id(input.complaint_id)
        to_pk = parse_global_id(input.to_staff_id, "StaffAccount", "toStaffId")
        return await service.hand_over(info.context.actor, complaint_pk, to_pk, input.note)

    return await _complaint_mutation(info, "handOverComplaint", work)


async def join_complaint(info: strawberry.Info, input: JoinComplaintInput) -> ComplaintPayload:
    async def work():
        return await service.join(info.context.actor, _complaint_id(input.complaint_id), input.note)

    return await _complaint_mutation(info, "joinComplaint", work)


async def resolve_complaint(
    info: strawberry.Info, input: ResolveComplaintInput
) -> ComplaintPayload:
    async def work():
        return await service.resolve(
            info.context.actor, _complaint_id(input.complaint_id), input.resolution
        )

    return await _complaint_mutation(info, "resolveComplaint", work)


async def reopen_complaint(info: strawberry.Info, input: ReopenComplaintInput) -> ComplaintPayload:
    async def work():
        return await service.reopen(
            info.context.actor, _complaint_id(input.complaint_id), input.reason
        )

    return await _complaint_mutation(info, "reopenComplaint", work)


async def rate_complaint_resolution(
    info: strawberry.Info, input: RateComplaintResolutionInput
) -> ComplaintPayload:
    async def work():
        return await service.rate(
            info.context.actor, _complaint_id(input.complaint_id), input.score, input.comment
        )

    return await _complaint_mutation(info, "rateComplaintResolution", work)


@register("Complaint", "complaint")
async def _complaint_node(info: strawberry.Info, pk: int, access) -> Complaint | None:
    own_only = access == Access.OWN and info.context.identity.kind.value == "STAFF"
    row = await complaints.queries.get(info.context.identity, pk, own_only=own_only)
    return row and Complaint.of(row)
