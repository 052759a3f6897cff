"""Complaints: the complaint with its first-contact owner and current handler, its timeline of
events, and its response and resolution deadlines (P3.1.6 first-contact responsibility and
tiered handling, P3.1.9 the 5+X rule)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedTextField


class Complaint(TimestampedModel):
    """A guest complaint. owner_account_id is the staff member who first took it and stays
    accountable to the end, handler_account_id who handles it now (they differ after a hand-over).
    Description, contact details and resolution can hold personal data and are encrypted.
    first_contact_resolved is set when the owner resolved it without any hand-over."""

    number = fields.CharField(max_length=20, unique=True)
    status = fields.CharField(max_length=12, db_index=True)
    severity = fields.CharField(max_length=10, db_index=True)
    channel = fields.CharField(max_length=10)
    category = fields.CharField(max_length=20, db_index=True)
    description = EncryptedTextField()
    contact_name = EncryptedTextField(null=True)
    contact_phone = EncryptedTextField(null=True)
    booking_id = fields.IntField(null=True, db_index=True)
    member_id = fields.IntField(null=True, db_index=True)
    guest_account_id = fields.IntField(null=True, db_index=True)
    recorded_by_account_id = fields.IntField(null=True, db_index=True)
    owner_account_id = fields.IntField(null=True, db_index=True)
    handler_account_id = fields.IntField(null=True, db_index=True)
    handed_over = fields.BooleanField(default=False)
    supervisor_account_id = fields.IntField(null=True)
    supervisor_joined_at = fields.DatetimeField(null=True)
    filed_at = fields.DatetimeField(db_index=True)
    respond_due_at = fields.DatetimeField()
    resolve_due_at = fields.DatetimeField()
    first_response_at = fields.DatetimeField(null=True)
    first_response_seconds = fields.IntField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    resolved_by_account_id = fields.IntField(null=True)
    resolution = EncryptedTextField(null=True)
    first_contact_resolved = fields.BooleanField(default=False)
    reopen_count = fields.IntField(default=0)
    escalated_at = fields.DatetimeField(null=True)
    satisfaction_score = fields.IntField(null=True)
    satisfaction_comment = EncryptedTextField(null=True)
    rated_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "complaint"


class ComplaintEvent(TimestampedModel):
    """One step of a complaint's timeline: filed, taken, responded, handed over, supervisor
    joined, resolved, reopened, rated, warned, escalated. The note is encrypted (a response to
    the guest can quote personal data). internal events are not shown to the guest."""

    complaint = fields.ForeignKeyField(
        "models.Complaint", related_name="events", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=20)
    actor_account_id = fields.IntField(null=True)
    actor_role = fields.CharField(max_length=20, default="")
    to_account_id = fields.IntField(null=True)
    note = EncryptedTextField(null=True)
    internal = fields.BooleanField(default=False)

    class Meta:
        table = "complaint_event"


class ComplaintDeadline(TimestampedModel):
    """A deadline of a complaint (RESPOND or RESOLVE) swept by a worker job: a warning at
    warn_at, an escalation at due_at, each claimed once by a conditional update of its stamp.
    closed_at is set when the deadline is met or no longer applies."""

    complaint = fields.ForeignKeyField(
        "models.Complaint", related_name="deadlines", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=10)
    due_at = fields.DatetimeField(db_index=True)
    warn_at = fields.DatetimeField(db_index=True)
    warned_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True, db_index=True)
    met = fields.BooleanField(null=True)

    class Meta:
        table = "complaint_deadline"
