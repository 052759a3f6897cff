"""Rewards and penalties (P5.2): the ledger of rewards and penalties per staff member, the
permanent blacklist for data falsification and the violation cases whose handling must start in
time."""

from __future__ import annotations

from tortoise import fields

from domain import personal_data
from domain.models.base import TimestampedModel, money_field
from domain.personal_data.fields import EncryptedTextField

# The blind-index kind of identity-document numbers (the same as guest profiles use).
ID_DOCUMENT = "id_document"


class IncentiveEntry(TimestampedModel):
    """One reward or penalty of a staff member: its kind, reason, period, money (amount and
    currency, or a percent of performance pay), its basis (a complaint, an evaluation, a
    violation case) and who proposed and decided it. A contract termination waits for a second
    person (pending_operation_id) before it takes effect. Rows are never deleted."""

    staff_account_id = fields.IntField(db_index=True)
    department = fields.CharField(max_length=20, null=True, db_index=True)
    category = fields.CharField(max_length=8)  # REWARD | PENALTY
    kind = fields.CharField(max_length=32, db_index=True)
    status = fields.CharField(max_length=16, db_index=True)
    reason = fields.TextField(default="")
    period_start = fields.DateField()
    period_end = fields.DateField()
    amount = money_field(null=True)
    currency = fields.CharField(max_length=3, null=True)
    percent = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    basis_kind = fields.CharField(max_length=16, default="OTHER")
    basis_reference = fields.CharField(max_length=200, default="")
    complaint_id = fields.IntField(null=True, db_index=True)
    violation_case_id = fields.IntField(null=True, db_index=True)
    proposed_by_account_id = fields.IntField(null=True)
    decided_by_account_id = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_comment = fields.TextField(default="")
    pending_operation_id = fields.IntField(null=True)
    confirmed_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "incentive_entry"


class StaffBlacklistEntry(TimestampedModel):
    """A permanent blacklist entry for data falsification (P5.2.4): the person by account and
    by the blind index of their identity-document number (encrypted beside it), so a re-hire
    is found. Its content never changes (key rotation only re-encrypts it) and it is never
    removed."""

    account_id = fields.IntField(null=True, db_index=True)
    display_name = fields.CharField(max_length=120, default="")
    id_document_number = EncryptedTextField()
    id_document_index = fields.CharField(max_length=32, db_index=True)
    reason = fields.TextField()
    violation_case_id = fields.IntField(null=True)
    decided_by_account_id = fields.IntField()

    class Meta:
        table = "staff_blacklist_entry"

    async def save(
        self, using_db=None, update_fields=None, force_create=False, force_update=False
    ) -> None:
        # The blind index follows the number on every save (key rotation rewrites both).
        self.id_document_index = personal_data.blind_index(ID_DOCUMENT, self.id_document_number)
        if update_fields is not None and "id_document_number" in update_fields:
            update_fields = [*update_fields, "id_document_index"]
        await super().save(using_db, update_fields, force_create, force_update)

    async def delete(self, using_db=None) -> None:
        raise PermissionError("A blacklist entry for data falsification is permanent (P5.2.4).")


class ViolationCase(TimestampedModel):
    """A violation by a staff member whose handling must start by handling_due_at (P5.2.5):
    OPEN, IN_HANDLING, ESCALATED (not started in time, the director and HR told once) and
    CLOSED with an outcome, linking the penalty it led to."""

    staff_account_id = fields.IntField(db_index=True)
    department = fields.CharField(max_length=20, null=True, db_index=True)
    severity = fields.CharField(max_length=10)
    description = fields.TextField()
    status = fields.CharField(max_length=12, db_index=True)
    opened_by_account_id = fields.IntField()
    handling_due_at = fields.DatetimeField(db_index=True)
    handling_started_at = fields.DatetimeField(null=True)
    handler_account_id = fields.IntField(null=True)
    handling_note = fields.TextField(default="")
    escalated_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by_account_id = fields.IntField(null=True)
    outcome = fields.CharField(max_length=16, null=True)
    outcome_note = fields.TextField(default="")
    penalty_entry_id = fields.IntField(null=True)

    class Meta:
        table = "violation_case"
