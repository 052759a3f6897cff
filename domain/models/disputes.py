"""Disputes between staff or departments and every step they went through (P7.2)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class Dispute(TimestampedModel):
    """A dispute on its resolution ladder: the step it stands at, whether that step gave an
    outcome, and the arbitration deadline while the panel has it."""

    subject = fields.CharField(max_length=200)
    description = fields.TextField()
    opened_by_account_id = fields.IntField(db_index=True)
    other_party_account_id = fields.IntField(null=True, db_index=True)
    opener_department = fields.CharField(max_length=24, null=True)
    other_department = fields.CharField(max_length=24, null=True)
    cross_department = fields.BooleanField(default=False)
    step = fields.CharField(max_length=24)
    status = fields.CharField(max_length=12, default="OPEN", db_index=True)
    outcome = fields.TextField(default="")
    outcome_at = fields.DatetimeField(null=True)
    arbitration_due_at = fields.DatetimeField(null=True, db_index=True)
    arbitration_extended = fields.BooleanField(default=False)
    arbitration_overdue_flagged_at = fields.DatetimeField(null=True)
    joint_meeting_id = fields.IntField(null=True)

    class Meta:
        table = "dispute"


class DisputeEvent(TimestampedModel):
    """One recorded step of a dispute: opened, escalated, an outcome, an extension, a joint
    meeting called, an overdue arbitration; with who did it and the archived record if any."""

    dispute = fields.ForeignKeyField(
        "models.Dispute", related_name="events", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=16)
    step = fields.CharField(max_length=24)
    actor_account_id = fields.IntField(null=True)
    note = fields.TextField(default="")
    document_id = fields.IntField(null=True)

    class Meta:
        table = "dispute_event"
