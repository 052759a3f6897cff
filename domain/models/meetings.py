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
    # Minutes deadlines (P3.2.6, P4.2.4): set when the meeting is created, swept by a job.
    minutes_draft_due_at = fields.DatetimeField(null=True, db_index=True)
    minutes_final_due_at = fields.DatetimeField(null=True, db_index=True)
    minutes_draft_at = fields.DatetimeField(null=True)
    minutes_final_at = fields.DatetimeField(null=True)
    draft_overdue_flagged_at = fields.DatetimeField(null=True)
    final_overdue_flagged_at = fields.DatetimeField(null=True)

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


class MinutesVersion(TimestampedModel):
    """One submitted version of a meeting's minutes, archived as a tier 3 document."""

    meeting = fields.ForeignKeyField(
        "models.Meeting", related_name="minutes_versions", on_delete=fields.RESTRICT
    )
    version = fields.IntField()
    is_final = fields.BooleanField(default=False)
    text = fields.TextField()
    submitted_by_account_id = fields.IntField(null=True)
    document_id = fields.IntField(null=True)

    class Meta:
        table = "minutes_version"
        unique_together = (("meeting", "version"),)


class Resolution(TimestampedModel):
    """A decision recorded in a meeting's final minutes, signed off by the people responsible."""

    meeting = fields.ForeignKeyField(
        "models.Meeting", related_name="resolutions", on_delete=fields.RESTRICT
    )
    number = fields.IntField()
    text = fields.TextField()
    content_sha256 = fields.CharField(max_length=64)

    class Meta:
        table = "resolution"
        unique_together = (("meeting", "number"),)


class ActionItem(TimestampedModel):
    """A task a resolution gives one owner, with its deadline (P4.2.4, P4.2.5)."""

    resolution = fields.ForeignKeyField(
        "models.Resolution", related_name="action_items", on_delete=fields.RESTRICT
    )
    meeting_id = fields.IntField(db_index=True)
    description = fields.TextField()
    owner_account_id = fields.IntField(db_index=True)
    important = fields.BooleanField(default=False)
    due_at = fields.DatetimeField(db_index=True)
    status = fields.CharField(max_length=8, default="OPEN")
    completed_at = fields.DatetimeField(null=True)
    completion_note = fields.TextField(default="")
    # Set when the overdue item was put on the agenda of a later meeting (once).
    carried_to_meeting_id = fields.IntField(null=True)

    class Meta:
        table = "action_item"
