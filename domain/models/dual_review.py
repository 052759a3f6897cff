"""Dual review (P6.2.3): a high-risk operation stored with its exact arguments until a second,
different authorised person confirms it (maker-checker)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class PendingOperation(TimestampedModel):
    """A high-risk operation waiting for its checker. operation names the registered handler
    that runs it, arguments are exactly what runs, arguments_sha256 is their digest when
    stored (the checker confirms that digest). permissions lists the resource and action
    pairs the checker must hold. Claimed by conditional updates of status."""

    operation = fields.CharField(max_length=60, db_index=True)
    arguments = fields.JSONField()
    arguments_sha256 = fields.CharField(max_length=64)
    summary = fields.TextField(default="")
    permissions = fields.JSONField()
    status = fields.CharField(max_length=10, default="PENDING", db_index=True)
    subject_type = fields.CharField(max_length=60, null=True)
    subject_id = fields.CharField(max_length=60, null=True, db_index=True)
    maker_account_id = fields.IntField(null=True, db_index=True)
    maker_ref = fields.CharField(max_length=40)
    maker_name = fields.CharField(max_length=120, default="")
    checker_account_id = fields.IntField(null=True)
    checker_name = fields.CharField(max_length=120, default="")
    decision_comment = fields.TextField(default="")
    expires_at = fields.DatetimeField(db_index=True)
    decided_at = fields.DatetimeField(null=True)
    executed_at = fields.DatetimeField(null=True)
    result = fields.JSONField(null=True)
    failure_reason = fields.TextField(default="")

    class Meta:
        table = "pending_operation"
