"""Risk response fields of the root types: incidents (P6.2.1) and internal audits (P6.2.2)."""

from __future__ import annotations

import strawberry

from resolvers import risk as risk_resolvers
from schema.permissions import requires
from schema.types.relay import Connection
from schema.types.risk import (
    AuditSamplePayload,
    Incident,
    IncidentPayload,
    InternalAudit,
    InternalAuditPayload,
)


@strawberry.type
class RiskQuery:
    incidents: Connection[Incident] = strawberry.field(
        resolver=risk_resolvers.list_incidents,
        extensions=[requires("incident", "read")],
    )
    internal_audits: Connection[InternalAudit] = strawberry.field(
        resolver=risk_resolvers.list_internal_audits,
        extensions=[requires("internal_audit", "read")],
    )


@strawberry.type
class RiskMutation:
    report_incident: IncidentPayload = strawberry.mutation(
        resolver=risk_resolvers.report_incident,
        extensions=[requires("incident", "report")],
    )
    update_incident: IncidentPayload = strawberry.mutation(
        resolver=risk_resolvers.update_incident,
        extensions=[requires("incident", "update")],
    )
    add_incident_timeline_entry: IncidentPayload = strawberry.mutation(
        resolver=risk_resolvers.add_incident_timeline_entry,
        extensions=[requires("incident", "note")],
    )
    resolve_incident: IncidentPayload = strawberry.mutation(
        resolver=risk_resolvers.resolve_incident,
        extensions=[requires("incident", "resolve")],
    )
    start_internal_audit: InternalAuditPayload = strawberry.mutation(
        resolver=risk_resolvers.start_internal_audit,
        extensions=[requires("internal_audit", "start")],
    )
    record_audit_finding: AuditSamplePayload = strawberry.mutation(
        resolver=risk_resolvers.record_audit_finding,
        extensions=[requires("internal_audit", "record")],
    )
    close_internal_audit: InternalAuditPayload = strawberry.mutation(
        resolver=risk_resolvers.close_internal_audit,
        extensions=[requires("internal_audit", "close")],
    )
