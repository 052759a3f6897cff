"""Monthly consumption analysis of members (P3.1.8): the run of each month with its progress per
batch, the stays staged for it, each member's behaviour and the ranked recommendations made
from it."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.models.base import TimestampedModel, money_field


class AnalysisRun(TimestampedModel):
    """One month's analysis. cursor_member_id is the highest member id whose batch committed,
    so a killed run resumes after it. The stays it reads were staged when it opened."""

    month = fields.DateField(unique=True)
    status = fields.CharField(max_length=10, default="RUNNING", db_index=True)
    cursor_member_id = fields.IntField(default=0)
    batches_done = fields.IntField(default=0)
    members_total = fields.IntField(default=0)
    members_done = fields.IntField(default=0)
    stays_total = fields.IntField(default=0)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "analysis_run"


class AnalysisStay(Model):
    """A member's stay copied for one run: the snapshot the run's batches aggregate, deleted
    batch by batch as they commit. lead_days counts from the booking's local creation date."""

    id = fields.BigIntField(primary_key=True)
    run_id = fields.IntField()
    member_id = fields.IntField(db_index=True)
    check_in = fields.DateField()
    stay_month = fields.SmallIntField()
    nights = fields.IntField()
    gross = money_field()
    spend = money_field()
    channel = fields.CharField(max_length=10)
    room_type_id = fields.IntField()
    lead_days = fields.IntField()

    class Meta:
        table = "analysis_stay"


class MemberBehaviour(TimestampedModel):
    """A member's consumption behaviour over the whole history up to the end of month. season
    holds the stays begun in each calendar month, January first, comma separated."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="behaviours", on_delete=fields.CASCADE
    )
    month = fields.DateField(db_index=True)
    stays = fields.IntField()
    nights = fields.IntField()
    spend = money_field()
    average_rate = money_field()
    average_lead_days = fields.DecimalField(max_digits=8, decimal_places=1)
    main_channel = fields.CharField(max_length=10)
    main_channel_stays = fields.IntField()
    preferred_room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="preferred_by", on_delete=fields.RESTRICT
    )
    preferred_room_type_stays = fields.IntField()
    peak_month = fields.SmallIntField()
    peak_month_stays = fields.IntField()
    peak_month_lead_days = fields.DecimalField(max_digits=8, decimal_places=1)
    season = fields.CharField(max_length=120)
    first_stay = fields.DateField()
    last_stay = fields.DateField()

    class Meta:
        table = "member_behaviour"
        unique_together = (("member", "month"),)


class Recommendation(TimestampedModel):
    """A ranked recommendation for a member, explained by the behaviour of the same month. The
    title and reason are rendered in the reader's language from kind, topic and the numbers."""

    member = fields.ForeignKeyField(
        "models.Member", related_name="recommendations", on_delete=fields.CASCADE
    )
    month = fields.DateField()
    rank = fields.SmallIntField()
    kind = fields.CharField(max_length=12)
    topic = fields.CharField(max_length=16)
    room_type = fields.ForeignKeyField(
        "models.RoomType", related_name="recommended_in", null=True, on_delete=fields.RESTRICT
    )
    evidence = fields.IntField()
    total = fields.IntField()
    score = fields.DecimalField(max_digits=6, decimal_places=3)

    class Meta:
        table = "recommendation"
        unique_together = (("member", "month", "rank"),)
