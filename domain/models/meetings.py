"""Meetings of the department: the regular weekly, monthly and quarterly meetings, joint-project
progress meetings and special meetings, their participants and the series that generates the
regular ones ahead of time (P4.2.1-P4.2.3, P4.2.6, P7.1.3)."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class MeetingSeries(TimestampedModel):
    """A recurring meeting: each occurrence is generated ahead by a job, one sequence number
    at a time, so a job run twice or killed half-way creates each occurrence exactly once."""

    kind = fields.CharField(max_length=24)
    title = fields.CharField(max_length=200)
    agenda = fields.TextField(default="")
    location = fields.CharField(max_length=200, default="")
    recurrence = fields.CharField(max_length=12)
    first_starts_at = fields.DatetimeField()
    next_sequence = fields.IntField(default=0)
    project_name = fields.CharField(max_length=200, default="")
    # Named participants (joint projects), kept for every occurrence.
    participant_ids = fields.JSONField(default=list)
    called_by_account_id = fields.IntField(null=True)
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "meeting_series"


class Meeting(TimestampedModel):
    """One meeting at a time and place, with the participants it was announced to."""

    kind = fields.CharField(max_length=24, db_index=True)
    title = fields.CharField(max_length=200)
    agenda = fields.TextField(default="")
    location = fields.CharField(max_length=200, default="")
    starts_at = fields.DatetimeField(db_index=True)
    ends_at = fields.DatetimeField()
    status = fields.CharField(max_length=12, default="SCHEDULED")
    project_name = fields.CharField(max_length=200, default="")
    called_by_account_id = fields.IntField(null=True)
    series = fields.ForeignKeyField(
        "models.MeetingSeries", related_name="meetings", null=True, on_delete=fields.RESTRICT
    )
    sequence = fields.IntField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancel_reason = fields.CharField(max_length=500, default="")

    class Meta:
        table = "meeting"
        unique_together = (("series", "sequence"),)


class MeetingParticipant(TimestampedModel):
    """Who a meeting was announced to, and in which capacity."""

    meeting = fields.ForeignKeyField(
        "models.Meeting", related_name="participants", on_delete=fields.CASCADE
    )
    account_id = fields.IntField(db_index=True)
    capacity = fields.CharField(max_length=16, default="ATTENDEE")

    class Meta:
        table = "meeting_participant"
        unique_together = (("meeting", "account_id"),)
