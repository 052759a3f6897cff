"""Multi-level approvals: a request that needs decisions by different people of rising rank,
level by level (P3.1.4 urgent booking changes, P4.1 amount-based authority, P6.2.3 dual review)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel, money_field


class ApprovalRequest(TimestampedModel):
    """Something waiting for approval. levels lists, per level, the roles that may decide it.
    current_level is the next level to decide. handler names the function that is called in
    the deciding transaction once the request is approved, rejected or expired."""

    kind = fields.CharField(max_length=40, db_index=True)
    subject_type = fields.CharField(max_length=60, null=True)
    subject_id = fields.CharField(max_length=60, null=True, db_index=True)
    amount = money_field(null=True)
    currency = fields.CharField(max_length=3, null=True)
    reason = fields.TextField(default="")
    status = fields.CharField(max_length=10, default="PENDING", db_index=True)
    levels = fields.JSONField()
    current_level = fields.IntField(default=1)
    required_role = fields.CharField(max_length=80)
    emergency = fields.BooleanField(default=False)
    exclude_submitter = fields.BooleanField(default=True)
    submitted_by_account_id = fields.IntField(null=True, db_index=True)
    submitted_by_ref = fields.CharField(max_length=40, null=True)
    due_at = fields.DatetimeField(null=True)
    decided_at = fields.DatetimeField(null=True)
    handler = fields.CharField(max_length=120, null=True)
    # P4.1.2: on an emergency authorisation, when its formal paperwork is due.
    paperwork_due_at = fields.DatetimeField(null=True)
    # When the reminder before due_at was sent (claimed by a conditional update).
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "approval_request"


class ApprovalDecision(TimestampedModel):
    """One decision on one level. Each level is decided once and each person decides once."""

    request = fields.ForeignKeyField(
        "models.ApprovalRequest", related_name="decisions", on_delete=fields.RESTRICT
    )
    level = fields.IntField()
    role = fields.CharField(max_length=40)
    decided_by_account_id = fields.IntField()
    decided_by_name = fields.CharField(max_length=120, default="")
    decision = fields.CharField(max_length=10)  # APPROVE | REJECT
    comment = fields.TextField(default="")

    class Meta:
        table = "approval_decision"
        unique_together = (("request", "level"), ("request", "decided_by_account_id"))
