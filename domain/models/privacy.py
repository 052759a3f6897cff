"""Data-subject requests (PIPL Arts. 44-50, P6.1.3): a person's request to export, correct or
delete their personal data, with its due date and what became of it."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedJSONField


class DataSubjectRequest(TimestampedModel):
    """One request of a guest about their own data: EXPORT, CORRECTION or DELETION, filed by
    the guest or by staff for a verified guest, due by due_at (swept by a job that reminds and
    escalates). corrections holds the asked new values (encrypted). outcome is a summary that
    names no personal data. retained lists the archive documents kept and why."""

    kind = fields.CharField(max_length=12, db_index=True)
    status = fields.CharField(max_length=20, default="OPEN", db_index=True)
    subject_account_id = fields.IntField(db_index=True)
    filed_by_account_id = fields.IntField(null=True, db_index=True)
    channel = fields.CharField(max_length=8, default="SELF")
    verification = fields.TextField(default="")
    corrections = EncryptedJSONField(null=True)
    due_at = fields.DatetimeField(db_index=True)
    reminded_at = fields.DatetimeField(null=True)
    escalated_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    completed_by_account_id = fields.IntField(null=True)
    outcome_code = fields.CharField(max_length=40, default="")
    outcome = fields.TextField(default="")
    document_id = fields.IntField(null=True)
    pending_operation_id = fields.IntField(null=True)
    retained = fields.JSONField(default=list)

    class Meta:
        table = "data_subject_request"
