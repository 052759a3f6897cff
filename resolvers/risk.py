"""Risk response: incidents under the emergency plans (P6.2.1) and the quarterly internal audit
(P6.2.2). The technical lead and directors report incidents; PR leads level 2; internal audit
draws, records and closes audits; the operations committee reads both."""

from __future__ import annotations

import strawberry

from domain.errors import DomainError
from domain.models import AuditSample as AuditSampleRow
from domain.models import Incident as IncidentRow
from domain.models import InternalAudit as InternalAuditRow
from domain.risk import audits, incidents
from resolvers.nodes import register
from resolvers.support import run_audited, run_self_audited
from schema.types.errors import user_errors
from schema.types.relay import Connection, paged, parse_global_id
from schema.types.risk import (
    AddIncidentTimelineEntryInput,
    AuditSample,
    AuditSamplePayload,
    CloseInternalAuditInput,
    Incident,
    IncidentFilter,
    IncidentPayload,
    IncidentScopeInput,
    InternalAudit,
    InternalAuditFilter,
    InternalAuditPayload,
    RecordAuditFindingInput,
    ReportIncidentInput,
    ResolveIncidentInput,
    StartInternalAuditInput,
    UpdateIncidentInput,
)

# ---- incidents ------------------------------------------------------------------------------


async def list_incidents(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: IncidentFilter | None = None,
) -> Connection[Incident]:
    f = filter or IncidentFilter()
    wanted = incidents.IncidentFilter(
        level=f.level, status=f.status.value if f.status else None
    )
    return await paged(
        first,
        after,
        lambda size, after_id: incidents.list_incidents(wanted, first=size, after_id=after_id),
        Incident.of,
    )


def _scope(given: IncidentScopeInput | None) -> incidents.Scope | None:
    if given is None:
        return None
    return incidents.Scope(
        kind=given.kind.value, department=given.department, start=given.start, end=given.end
    )


def _plan(input: ReportIncidentInput | UpdateIncidentInput) -> incidents.Plan:
    group = input.crisis_group_id
    return incidents.Plan(
        scope=_scope(input.scope),
        lead_email=input.lead_email,
        task_force_emails=list(input.task_force_emails or []),
        spokesperson_email=input.spokesperson_email,
        crisis_group_id=(
            None if group is None else parse_global_id(group, "CrisisGroup", "crisisGroupId")
        ),
    )


async def report_incident(info: strawberry.Info, input: ReportIncidentInput) -> IncidentPayload:
    async def work():
        return await incidents.report(
            info.context.actor,
            input.level,
            input.title,
            input.description,
            input.started_at,
            _plan(input),
        )

    row, errors = await run_audited(info, "reportIncident", "Incident", work)
    return IncidentPayload(incident=row and Incident.of(row), errors=errors)


def _incident_id(value) -> int:
    return parse_global_id(value, "Incident", "incidentId")


async def update_incident(info: strawberry.Info, input: UpdateIncidentInput) -> IncidentPayload:
    try:
        incident_id = _incident_id(input.incident_id)
    except DomainError as refusal:
        return IncidentPayload(errors=user_errors(refusal))

    async def work():
        return await incidents.update(
            info.context.actor, incident_id, input.level, input.note, _plan(input)
        )

    row, errors = await run_audited(
        info, "updateIncident", "Incident", work, subject_id=incident_id
    )
    return IncidentPayload(incident=row and Incident.of(row), errors=errors)


async def add_incident_timeline_entry(
    info: strawberry.Info, input: AddIncidentTimelineEntryInput
) -> IncidentPayload:
    try:
        incident_id = _incident_id(input.incident_id)
    except DomainError as refusal:
        return IncidentPayload(errors=user_errors(refusal))

    async def work():
        return await incidents.add_note(info.context.actor, incident_id, input.note)

    row, errors = await run_audited(
        info, "addIncidentTimelineEntry", "Incident", work, subject_id=incident_id
    )
    return IncidentPayload(incident=row and Incident.of(row), errors=errors)


async def resolve_incident(info: strawberry.Info, input: ResolveIncidentInput) -> IncidentPayload:
    try:
        incident_id = _incident_id(input.incident_id)
    except DomainError as refusal:
        return IncidentPayload(errors=user_errors(refusal))

    async def work():
        return await incidents.resolve(info.context.actor, incident_id, input.resolution)

    row, errors = await run_audited(
        info, "resolveIncident", "Incident", work, subject_id=incident_id
    )
    return IncidentPayload(incident=row and Incident.of(row), errors=errors)


@register("Incident", "incident")
async def _incident_node(info: strawberry.Info, pk: int, access) -> Incident | None:
    row = await IncidentRow.get_or_none(id=pk)
    return row and Incident.of(row)


# ---- internal audits ------------------------------------------------------------------------


async def list_internal_audits(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: InternalAuditFilter | None = None,
) -> Connection[InternalAudit]:
    f = filter or InternalAuditFilter()
    wanted = audits.AuditFilter(status=f.status.value if f.status else None)
    return await paged(
        first,
        after,
        lambda size, after_id: audits.list_audits(wanted, first=size, after_id=after_id),
        InternalAudit.of,
    )


async def start_internal_audit(
    info: strawberry.Info, input: StartInternalAuditInput
) -> InternalAuditPayload:
    async def work():
        return await audits.start(info.context.actor, input.quarter, input.seed)

    row, errors = await run_audited(info, "startInternalAudit", "InternalAudit", work)
    return InternalAuditPayload(internal_audit=row and InternalAudit.of(row), errors=errors)


async def record_audit_finding(
    info: strawberry.Info, input: RecordAuditFindingInput
) -> AuditSamplePayload:
    try:
        sample_id = parse_global_id(input.sample_id, "AuditSample", "sampleId")
    except DomainError as refusal:
        return AuditSamplePayload(errors=user_errors(refusal))

    async def work():
        return await audits.record_finding(
            info.context.actor, sample_id, input.severity.value, input.finding
        )

    row, errors = await run_audited(
        info, "recordAuditFinding", "AuditSample", work, subject_id=sample_id
    )
    return AuditSamplePayload(sample=row and AuditSample.of(row), errors=errors)


async def close_internal_audit(
    info: strawberry.Info, input: CloseInternalAuditInput
) -> InternalAuditPayload:
    try:
        audit_id = parse_global_id(input.audit_id, "InternalAudit", "auditId")
    except DomainError as refusal:
        return InternalAuditPayload(errors=user_errors(refusal))
    row, errors = await run_self_audited(
        lambda: audits.close(info.context.actor, audit_id, input.summary)
    )
    return InternalAuditPayload(internal_audit=row and InternalAudit.of(row), errors=errors)


@register("InternalAudit", "internal_audit")
async def _internal_audit_node(info: strawberry.Info, pk: int, access) -> InternalAudit | None:
    row = await InternalAuditRow.get_or_none(id=pk)
    return row and InternalAudit.of(row)


@register("AuditSample", "internal_audit")
async def _audit_sample_node(info: strawberry.Info, pk: int, access) -> AuditSample | None:
    row = await AuditSampleRow.get_or_none(id=pk)
    return row and AuditSample.of(row)
