"""Periodic reports (P3.2.7): one row per period with its archived HTML document, its submission
deadline and whether it was submitted, reminded or flagged overdue."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class Report(TimestampedModel):
    """A daily, weekly or monthly report. period_end is exclusive. The deadline counts from the
    end of the period, the reminder and overdue stamps make each notice go out once."""

    period = fields.CharField(max_length=8)
    period_start = fields.DateField()
    period_end = fields.DateField()
    title = fields.CharField(max_length=200)
    document = fields.ForeignKeyField(
        "models.Document", related_name="reports", on_delete=fields.RESTRICT
    )
    sections = fields.JSONField(default=list)
    status = fields.CharField(max_length=10, default="GENERATED", db_index=True)
    due_at = fields.DatetimeField(db_index=True)
    generated_by_ref = fields.CharField(max_length=40, null=True)
    submitted_at = fields.DatetimeField(null=True)
    submitted_by_account_id = fields.IntField(null=True)
    submission_note = fields.TextField(default="")
    reminded_at = fields.DatetimeField(null=True)
    overdue_notified_at = fields.DatetimeField(null=True)

    class Meta:
        table = "report"
        unique_together = (("period", "period_start"),)
