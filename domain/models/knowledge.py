"""Communication and knowledge records (P7.1.1, P7.1.4, P7.1.5, P8.6): notices sent to staff
and who each reached, emergency phone calls, the knowledge base of standard operating
procedures with every version and who read which, and new staff's online learning."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel
from domain.personal_data.fields import EncryptedTextField


class Notice(TimestampedModel):
    """A notice a staff member sent to departments, roles or named staff, in the app and (when
    important) by e-mail. Purged with its recipients after communication_retention_days."""

    title = fields.CharField(max_length=200)
    body = fields.TextField()
    sent_by_account_id = fields.IntField(db_index=True)
    # What the sender addressed: {"departments": [...], "roles": [...], "accounts": [ids]}.
    audience = fields.JSONField(default=dict)
    by_email = fields.BooleanField(default=True)
    recipient_count = fields.IntField(default=0)

    class Meta:
        table = "notice"
        indexes = (("created_at",),)


class NoticeRecipient(TimestampedModel):
    """One staff member a notice reached, with the outbox event of its e-mail (if any)."""

    notice = fields.ForeignKeyField(
        "models.Notice", related_name="recipients", on_delete=fields.CASCADE
    )
    account_id = fields.IntField(db_index=True)
    outbox_event_id = fields.IntField(null=True)

    class Meta:
        table = "notice_recipient"
        unique_together = (("notice", "account_id"),)


class PhoneCall(TimestampedModel):
    """A telephone call of an emergency, recorded after it: who called whom, when, about what
    and with what outcome (P7.1.1). A party is a staff account or a named outside person."""

    caller_account_id = fields.IntField(null=True, db_index=True)
    caller_name = EncryptedTextField(null=True)
    callee_account_id = fields.IntField(null=True, db_index=True)
    callee_name = EncryptedTextField(null=True)
    called_at = fields.DatetimeField(db_index=True)
    subject = EncryptedTextField()
    outcome = EncryptedTextField()
    emergency = fields.BooleanField(default=True)
    recorded_by_account_id = fields.IntField(db_index=True)

    class Meta:
        table = "phone_call"


class Procedure(TimestampedModel):
    """A standard operating procedure of the knowledge base: its current version and whom it
    concerns ({"departments": [...], "roles": [...]}, empty: every staff member)."""

    title = fields.CharField(max_length=200)
    current_version = fields.IntField(default=1)
    scope = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "procedure"


class ProcedureVersion(TimestampedModel):
    """One published version of a procedure, kept and readable after newer ones."""

    procedure = fields.ForeignKeyField(
        "models.Procedure", related_name="versions", on_delete=fields.RESTRICT
    )
    version = fields.IntField()
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    change_summary = fields.TextField()
    published_by_account_id = fields.IntField()

    class Meta:
        table = "procedure_version"
        unique_together = (("procedure", "version"),)


class ProcedureRead(TimestampedModel):
    """That a staff member read (acknowledged) one version of a procedure."""

    procedure = fields.ForeignKeyField(
        "models.Procedure", related_name="reads", on_delete=fields.RESTRICT
    )
    version = fields.IntField()
    account_id = fields.IntField(db_index=True)

    class Meta:
        table = "procedure_read"
        unique_together = (("procedure", "version", "account_id"),)


class OnboardingPlan(TimestampedModel):
    """A new staff member's online learning target (P7.1.4): the hours due by the end of the
    basic-position learning months, the minutes logged so far and the last reminder."""

    account_id = fields.IntField(unique=True)
    starts_on = fields.DateField()
    due_on = fields.DateField()
    required_minutes = fields.IntField()
    logged_minutes = fields.IntField(default=0)
    completed_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "onboarding_plan"


class LearningSession(TimestampedModel):
    """Time a staff member spent learning one knowledge-base procedure on one day."""

    account_id = fields.IntField(db_index=True)
    procedure = fields.ForeignKeyField(
        "models.Procedure", related_name="learning", on_delete=fields.RESTRICT
    )
    studied_on = fields.DateField()
    minutes = fields.IntField()
    note = fields.TextField(default="")

    class Meta:
        table = "learning_session"
