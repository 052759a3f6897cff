"""Incidents of the emergency plans with their timelines and SMS notices (P6.2.1), and the
quarterly internal audits with their sampled cases and findings (P6.2.2)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class Incident(TimestampedModel):
    """An incident handled under an emergency plan: level 1 system failure (restore deadline,
    SMS notice of the affected scope), level 2 group complaints (led by PR), level 3 media
    crisis (a task force speaking with one voice)."""

    level = fields.IntField(db_index=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    status = fields.CharField(max_length=12, default="OPEN", db_index=True)
    started_at = fields.DatetimeField()
    reported_by_account_id = fields.IntField()
    # Level 1: when service must be restored, and the affected scope announced by SMS.
    restore_due_at = fields.DatetimeField(null=True, db_index=True)
    escalated_at = fields.DatetimeField(null=True)
    scope_kind = fields.CharField(max_length=16, default="")
    scope_department = fields.CharField(max_length=32, default="")
    scope_from = fields.DateField(null=True)
    scope_to = fields.DateField(null=True)
    announce_round = fields.IntField(default=0)
    # Level 2: the PR lead. Level 3: the task force and its single voice.
    lead_account_id = fields.IntField(null=True)
    spokesperson_account_id = fields.IntField(null=True)
    crisis_group_id = fields.IntField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by_account_id = fields.IntField(null=True)
    resolution = fields.TextField(default="")

    class Meta:
        table = "incident"


class IncidentMember(TimestampedModel):
    """A member of a level-3 incident's task force."""

    incident = fields.ForeignKeyField(
        "models.Incident", related_name="members", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField(db_index=True)

    class Meta:
        table = "incident_member"
        unique_together = (("incident", "account_id"),)


class IncidentEvent(TimestampedModel):
    """One entry of an incident's timeline: a state change or a note, with time and actor."""

    incident = fields.ForeignKeyField(
        "models.Incident", related_name="events", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=20)
    at = fields.DatetimeField()
    actor_account_id = fields.IntField(null=True)
    actor_ref = fields.CharField(max_length=40, default="")
    text = fields.TextField(default="")
    from_level = fields.IntField(null=True)
    to_level = fields.IntField(null=True)

    class Meta:
        table = "incident_event"


class IncidentNotice(TimestampedModel):
    """One SMS notice of a level-1 incident to one recipient, keyed by the phone's blind index
    (or the staff account), so a recipient is told once however often the sweep runs."""

    incident = fields.ForeignKeyField(
        "models.Incident", related_name="notices", on_delete=fields.RESTRICT
    )
    recipient_key = fields.CharField(max_length=64)
    recipient_kind = fields.CharField(max_length=8)

    class Meta:
        table = "incident_notice"
        unique_together = (("incident", "recipient_key"),)


class InternalAudit(TimestampedModel):
    """A quarterly internal audit: its seeded random sample of the quarter's cases, the findings
    recorded per case and, once closed, the archived report sent to the operations committee."""

    quarter = fields.CharField(max_length=7, unique=True)
    seed = fields.CharField(max_length=40)
    sample_percent = fields.DecimalField(max_digits=6, decimal_places=2)
    population = fields.JSONField(default=dict)
    status = fields.CharField(max_length=8, default="OPEN", db_index=True)
    opened_by_ref = fields.CharField(max_length=40, default="")
    opened_by_account_id = fields.IntField(null=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by_account_id = fields.IntField(null=True)
    summary = fields.TextField(default="")
    document_id = fields.IntField(null=True)

    class Meta:
        table = "internal_audit"


class AuditSample(TimestampedModel):
    """One sampled case of an internal audit and the auditor's finding on it."""

    audit = fields.ForeignKeyField(
        "models.InternalAudit", related_name="samples", on_delete=fields.RESTRICT
    )
    case_kind = fields.CharField(max_length=16)
    case_id = fields.IntField()
    severity = fields.CharField(max_length=8, null=True)
    finding = fields.TextField(default="")
    recorded_by_account_id = fields.IntField(null=True)
    recorded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "audit_sample"
        unique_together = (("audit", "case_kind", "case_id"),)
