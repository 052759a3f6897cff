"""Crisis decision groups, their members and every act done under their authority (P4.1.4)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class CrisisGroup(TimestampedModel):
    """A temporary decision group convened by a director for named matters until it expires or
    is dissolved, with the archived record of its period."""

    reason = fields.TextField()
    matters = fields.JSONField(default=list)
    convened_by_account_id = fields.IntField()
    status = fields.CharField(max_length=12, default="ACTIVE", db_index=True)
    expires_at = fields.DatetimeField(db_index=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by_account_id = fields.IntField(null=True)
    end_reason = fields.TextField(default="")
    document_id = fields.IntField(null=True)

    class Meta:
        table = "crisis_group"


class CrisisMember(TimestampedModel):
    """A member of a crisis group and the role they sit in it for."""

    group = fields.ForeignKeyField(
        "models.CrisisGroup", related_name="members", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField(db_index=True)
    role = fields.CharField(max_length=32)

    class Meta:
        table = "crisis_member"
        unique_together = (("group", "account_id"),)


class CrisisAction(TimestampedModel):
    """One act a member did under the group's authority: what, on which record, as which role."""

    group = fields.ForeignKeyField(
        "models.CrisisGroup", related_name="actions", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField()
    actor_name = fields.CharField(max_length=200, default="")
    action = fields.CharField(max_length=64)
    subject_type = fields.CharField(max_length=40)
    subject_id = fields.CharField(max_length=64)
    role = fields.CharField(max_length=32)
    note = fields.TextField(default="")

    class Meta:
        table = "crisis_action"
