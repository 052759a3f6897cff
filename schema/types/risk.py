"""Incidents of the emergency plans with their timelines (P6.2.1), and the quarterly internal
audits with their sampled cases and findings (P6.2.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.clock import clock
from domain.risk import audits, incidents
from schema.loaders.risk import audit_samples_loader, incident_details_loader
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id, viewer_of_account
from schema.types.mapping import from_row

IncidentStatus = strawberry.enum(incidents.IncidentStatus, name="IncidentStatus")
IncidentScopeKind = strawberry.enum(incidents.ScopeKind, name="IncidentScopeKind")
IncidentEventKind = strawberry.enum(incidents.EventKind, name="IncidentEventKind")
InternalAuditStatus = strawberry.enum(audits.AuditStatus, name="InternalAuditStatus")
AuditCaseKind = strawberry.enum(audits.CaseKind, name="AuditCaseKind")
AuditSeverity = strawberry.enum(audits.Severity, name="AuditSeverity")


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(relay.to_base64(type_name, pk))


# ---- incidents ------------------------------------------------------------------------------


@strawberry.type
class IncidentScope:
    kind: IncidentScopeKind
    department: str | None = strawberry.field(description="DEPARTMENT scope: its code.")
    start: dt.date | None = strawberry.field(description="GUESTS scope: first local day.")
    end: dt.date | None = strawberry.field(description="GUESTS scope: last local day.")


@strawberry.type
class IncidentTimelineEntry:
    kind: IncidentEventKind
    at: dt.datetime
    text: str
    from_level: int | None
    to_level: int | None
    actor_ref: str = strawberry.field(description="account:<id>, or system for jobs.")
    account: strawberry.Private[object | None]

    @strawberry.field
    def actor(self) -> Viewer | None:
        return self.account and viewer_of_account(self.account)


@strawberry.type
class Incident(relay.Node):
    id: relay.NodeID[int]
    level: int = strawberry.field(
        description="1 system failure, 2 group complaints, 3 media crisis."
    )
    title: str
    description: str
    status: IncidentStatus
    started_at: dt.datetime
    restore_due_at: dt.datetime | None = strawberry.field(
        description="Level 1: service is restored by then (system_failure_restore_hours)."
    )
    escalated_at: dt.datetime | None
    overdue: bool = strawberry.field(description="Open level 1 past its restore deadline.")
    scope: IncidentScope | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None
    crisis_group_id: strawberry.ID | None
    person_ids: strawberry.Private[dict]

    async def _person(self, info: strawberry.Info, key: str) -> Viewer | None:
        account_id = self.person_ids.get(key)
        if account_id is None:
            return None
        people = (await incident_details_loader(info).load(self.id)).people
        account = people.get(account_id)
        return account and viewer_of_account(account)

    @strawberry.field
    async def reported_by(self, info: strawberry.Info) -> Viewer | None:
        return await self._person(info, "reporter")

    @strawberry.field(description="Level 2: the PR lead.")
    async def lead(self, info: strawberry.Info) -> Viewer | None:
        return await self._person(info, "lead")

    @strawberry.field(description="Level 3: the task force's single voice.")
    async def spokesperson(self, info: strawberry.Info) -> Viewer | None:
        return await self._person(info, "spokesperson")

    @strawberry.field
    async def resolved_by(self, info: strawberry.Info) -> Viewer | None:
        return await self._person(info, "resolver")

    @strawberry.field(description="Level 3: the members of the task force.")
    async def task_force(self, info: strawberry.Info) -> list[Viewer]:
        found = await incident_details_loader(info).load(self.id)
        return [viewer_of_account(found.people[m]) for m in found.members if m in found.people]

    @strawberry.field(description="Every state change and note, oldest first.")
    async def timeline(self, info: strawberry.Info) -> list[IncidentTimelineEntry]:
        found = await incident_details_loader(info).load(self.id)
        return [
            from_row(
                IncidentTimelineEntry,
                row,
                kind=IncidentEventKind(row.kind),
                actor_ref=row.actor_ref,
                account=found.people.get(row.actor_account_id),
            )
            for row in found.events
        ]

    @strawberry.field(description="Level 1: how many recipients were told by SMS.")
    async def sms_notices_sent(self, info: strawberry.Info) -> int:
        return (await incident_details_loader(info).load(self.id)).notices

    @classmethod
    def of(cls, row) -> Incident:
        scope = None
        if row.scope_kind:
            scope = IncidentScope(
                kind=IncidentScopeKind(row.scope_kind),
                department=row.scope_department or None,
                start=row.scope_from,
                end=row.scope_to,
            )
        return from_row(
            cls,
            row,
            status=IncidentStatus(row.status),
            overdue=bool(
                row.status == incidents.IncidentStatus.OPEN
                and row.level == 1
                and row.restore_due_at
                and row.restore_due_at <= clock.now()
            ),
            scope=scope,
            resolution=row.resolution or None,
            crisis_group_id=_gid("CrisisGroup", row.crisis_group_id),
            person_ids={
                "reporter": row.reported_by_account_id,
                "lead": row.lead_account_id,
                "spokesperson": row.spokesperson_account_id,
                "resolver": row.resolved_by_account_id,
            },
        )


@strawberry.input
class IncidentFilter:
    level: int | None = None
    status: IncidentStatus | None = None


@strawberry.input
class IncidentScopeInput:
    kind: IncidentScopeKind
    department: str | None = strawberry.field(
        default=None, description="DEPARTMENT: e.g. ENGINEERING, BOOKING_CRM."
    )
    start: dt.date | None = strawberry.field(
        default=None, description="GUESTS: first local day (default today)."
    )
    end: dt.date | None = strawberry.field(
        default=None, description="GUESTS: last local day (default the restore deadline's day)."
    )


@strawberry.input
class ReportIncidentInput:
    level: int
    title: str
    description: str = ""
    started_at: dt.datetime | None = None
    scope: IncidentScopeInput | None = strawberry.field(
        default=None, description="Level 1: who is told by SMS."
    )
    lead_email: str | None = strawberry.field(
        default=None, description="Level 2: the PR member who leads."
    )
    task_force_emails: list[str] = strawberry.field(
        default_factory=list, description="Level 3: the task force."
    )
    spokesperson_email: str | None = strawberry.field(
        default=None, description="Level 3: the single voice, a member of the task force."
    )
    crisis_group_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Level 3: an active crisis group whose members join."
    )


@strawberry.input
class UpdateIncidentInput:
    incident_id: relay.GlobalID
    level: int | None = None
    note: str | None = None
    scope: IncidentScopeInput | None = None
    lead_email: str | None = None
    task_force_emails: list[str] = strawberry.field(default_factory=list)
    spokesperson_email: str | None = None
    crisis_group_id: relay.GlobalID | None = None


@strawberry.input
class AddIncidentTimelineEntryInput:
    incident_id: relay.GlobalID
    note: str


@strawberry.input
class ResolveIncidentInput:
    incident_id: relay.GlobalID
    resolution: str


@strawberry.type
class IncidentPayload:
    incident: Incident | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- internal audits ------------------------------------------------------------------------


@strawberry.type
class AuditSample(relay.Node):
    id: relay.NodeID[int]
    case_kind: AuditCaseKind
    case_id: strawberry.ID = strawberry.field(description="The global id of the case.")
    severity: AuditSeverity | None
    finding: str | None
    recorded_at: dt.datetime | None
    recorded_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def recorded_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.recorded_by_id)

    @classmethod
    def of(cls, row) -> AuditSample:
        kind = audits.CaseKind(row.case_kind)
        return from_row(
            cls,
            row,
            case_kind=kind,
            case_id=_gid(audits.CASE_TYPE[kind], row.case_id),
            severity=AuditSeverity(row.severity) if row.severity else None,
            finding=row.finding or None,
            recorded_by_id=row.recorded_by_account_id,
        )


@strawberry.type
class AuditPopulation:
    kind: AuditCaseKind
    cases: int = strawberry.field(description="Cases of this kind in the quarter.")
    sampled: int


@strawberry.type
class InternalAudit(relay.Node):
    id: relay.NodeID[int]
    quarter: str
    seed: str = strawberry.field(description="The seed the sample was drawn with.")
    sample_percent: Decimal
    status: InternalAuditStatus
    created_at: dt.datetime
    closed_at: dt.datetime | None
    summary: str | None
    document_id: strawberry.ID | None = strawberry.field(
        description="The archived report (a tier 3 report), once closed."
    )
    population_counts: strawberry.Private[dict]

    @strawberry.field(description="The sampled cases and their findings.")
    async def samples(self, info: strawberry.Info) -> list[AuditSample]:
        return [AuditSample.of(row) for row in await audit_samples_loader(info).load(self.id)]

    @strawberry.field(description="Cases of each kind in the quarter, and how many were drawn.")
    async def population(self, info: strawberry.Info) -> list[AuditPopulation]:
        rows = await audit_samples_loader(info).load(self.id)
        return [
            AuditPopulation(
                kind=kind,
                cases=int(self.population_counts.get(kind.value, 0)),
                sampled=sum(1 for r in rows if r.case_kind == kind),
            )
            for kind in audits.CaseKind
        ]

    @classmethod
    def of(cls, row) -> InternalAudit:
        return from_row(
            cls,
            row,
            status=InternalAuditStatus(row.status),
            summary=row.summary or None,
            document_id=_gid("Document", row.document_id),
            population_counts=dict(row.population or {}),
        )


@strawberry.input
class InternalAuditFilter:
    status: InternalAuditStatus | None = None


@strawberry.input
class StartInternalAuditInput:
    quarter: str = strawberry.field(description="An ended quarter, e.g. 2026-Q3.")
    seed: str | None = strawberry.field(
        default=None, description="Draw with this seed (recorded); a fresh one when omitted."
    )


@strawberry.input
class RecordAuditFindingInput:
    sample_id: relay.GlobalID
    severity: AuditSeverity
    finding: str


@strawberry.input
class CloseInternalAuditInput:
    audit_id: relay.GlobalID
    summary: str


@strawberry.type
class InternalAuditPayload:
    internal_audit: InternalAudit | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuditSamplePayload:
    sample: AuditSample | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
