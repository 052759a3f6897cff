"""The satisfaction follow-up after a guest's first stay (P3.1.7): the telephone task for
customer service with its deadline and escalation, and the guest's one-time survey."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class FollowUp(TimestampedModel):
    """A telephone satisfaction follow-up of a first stay, due a fixed time after check-out.
    guest_key names the guest (member, guest account or contact blind index), unique so a
    guest has one first stay only."""

    booking = fields.OneToOneField(
        "models.Booking", related_name="follow_up", on_delete=fields.RESTRICT
    )
    guest_key = fields.CharField(max_length=48, unique=True)
    member_id = fields.IntField(null=True, db_index=True)
    guest_account_id = fields.IntField(null=True, db_index=True)
    assignee_account_id = fields.IntField(null=True, db_index=True)
    status = fields.CharField(max_length=12, default="OPEN", db_index=True)
    due_at = fields.DatetimeField(db_index=True)
    outcome = fields.CharField(max_length=16, null=True)
    notes = fields.TextField(default="")
    completed_at = fields.DatetimeField(null=True)
    completed_by_account_id = fields.IntField(null=True)
    # Set once by the escalation sweep that claimed the overdue task (its notices went with it).
    escalated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "follow_up"


class SatisfactionSurvey(TimestampedModel):
    """The guest's satisfaction survey of a first stay, answered once, by the signed-in guest
    or through the single-use link sent to them (only the SHA-256 of its token is kept)."""

    booking = fields.OneToOneField(
        "models.Booking", related_name="satisfaction_survey", on_delete=fields.RESTRICT
    )
    member_id = fields.IntField(null=True, db_index=True)
    guest_account_id = fields.IntField(null=True, db_index=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    score = fields.SmallIntField(null=True)
    comments = fields.TextField(default="")
    answered_at = fields.DatetimeField(null=True)
    answered_via = fields.CharField(max_length=10, null=True)  # ACCOUNT | LINK

    class Meta:
        table = "satisfaction_survey"
