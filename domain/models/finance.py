"""Budgets and settlement with Finance (P4.1.3 monthly budgets, spending over budget with
Finance's permission, P1.1 settlement of booking payments with Finance)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel, money_field


class Budget(TimestampedModel):
    """One budget line: what a department may spend on a category in a month (month is the
    first day of that month). declared is approved like any spending. committed is what
    pending spending approvals hold, spent what approved ones used. version counts the changes
    of committed and spent, each made by an UPDATE conditional on the version it read."""

    department = fields.CharField(max_length=40)
    category = fields.CharField(max_length=60)
    month = fields.DateField()
    declared = money_field()
    committed = money_field(default=0)
    spent = money_field(default=0)
    currency = fields.CharField(max_length=3)
    status = fields.CharField(max_length=10, default="PENDING", db_index=True)
    reason = fields.TextField(default="")
    approval_id = fields.IntField(null=True)
    declared_by_account_id = fields.IntField(null=True)
    activated_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "budget"
        unique_together = (("department", "category", "month"),)


class BudgetCommitment(TimestampedModel):
    """The amount one spending approval holds on a budget line: COMMITTED while the request
    waits, SPENT once it is approved, RELEASED when it is rejected or expires. over_budget
    marks spending that went past the line with Finance's special permission."""

    budget = fields.ForeignKeyField(
        "models.Budget", related_name="commitments", on_delete=fields.RESTRICT
    )
    approval_id = fields.IntField(unique=True)
    amount = money_field()
    status = fields.CharField(max_length=10, default="COMMITTED", db_index=True)
    over_budget = fields.BooleanField(default=False)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "budget_commitment"


class LedgerEntry(TimestampedModel):
    """Money of a booking that moved, as Finance recorded it: PAYMENT and DEPOSIT are received
    (positive amount), REFUND is paid out (negative amount). business_date is the hotel's local
    day it was recorded on, the day of the settlement report that counts it."""

    booking = fields.ForeignKeyField(
        "models.Booking", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=10, db_index=True)
    amount = money_field()
    currency = fields.CharField(max_length=3)
    method = fields.CharField(max_length=20)
    reference = fields.CharField(max_length=80)
    refund = fields.OneToOneField(
        "models.Refund", related_name="ledger_entry", null=True, on_delete=fields.RESTRICT
    )
    business_date = fields.DateField(db_index=True)
    recorded_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "ledger_entry"
        unique_together = (("kind", "reference"),)
