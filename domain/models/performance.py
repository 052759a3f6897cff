"""Performance evaluation (P5.1): evaluation cycles, the anonymous 360-degree rating tasks and
tallies, the stored results (self, supervisor, 360 aggregate, KPI snapshots), the training a
failed customer-service assessment assigns, and the facility-fault tickets of Engineering."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.models.base import TimestampedModel


class EvaluationCycle(TimestampedModel):
    """One round of assessment: monthly self (SELF), quarterly supervisor (SUPERVISOR) or
    half-yearly 360-degree (PEER_360), open for its period and a window after it."""

    kind = fields.CharField(max_length=12)
    period_kind = fields.CharField(max_length=8)
    period_start = fields.DateField()
    period_end = fields.DateField()
    label = fields.CharField(max_length=16)
    closes_at = fields.DatetimeField(db_index=True)
    status = fields.CharField(max_length=8, default="OPEN", db_index=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "evaluation_cycle"
        unique_together = (("kind", "period_start"),)


class PeerRatingTask(Model):
    """That a rater from another department is to rate a colleague in a 360-degree cycle, and
    whether they have. Holds no score and no time: the score goes to the reviewee's tally."""

    id = fields.IntField(primary_key=True)
    cycle = fields.ForeignKeyField(
        "models.EvaluationCycle", related_name="peer_tasks", on_delete=fields.RESTRICT
    )
    reviewee_account_id = fields.IntField()
    rater_account_id = fields.IntField(db_index=True)
    answered = fields.BooleanField(default=False)

    class Meta:
        table = "peer_rating_task"
        unique_together = (("cycle", "reviewee_account_id", "rater_account_id"),)


class PeerRatingTally(Model):
    """The running sum of the 360-degree scores a colleague received in a cycle: no single
    score, no rater and no time is kept."""

    id = fields.IntField(primary_key=True)
    cycle = fields.ForeignKeyField(
        "models.EvaluationCycle", related_name="peer_tallies", on_delete=fields.RESTRICT
    )
    reviewee_account_id = fields.IntField()
    answers = fields.IntField(default=0)
    score_sum = fields.IntField(default=0)

    class Meta:
        table = "peer_rating_tally"
        unique_together = (("cycle", "reviewee_account_id"),)


class EvaluationResult(TimestampedModel):
    """A stored result, the basis of pay and promotion (P5.1.5): a self or supervisor
    assessment, a 360-degree aggregate, or a KPI snapshot of a person or a team (no subject)
    for a period. flag marks a consequence (BONUS, TRAINING, PROMOTION_PRIORITY)."""

    kind = fields.CharField(max_length=12, db_index=True)
    team = fields.CharField(max_length=20, null=True)
    period_kind = fields.CharField(max_length=8)
    period_start = fields.DateField(db_index=True)
    period_end = fields.DateField()
    label = fields.CharField(max_length=16)
    cycle_id = fields.IntField(null=True)
    subject_account_id = fields.IntField(null=True, db_index=True)
    author_account_id = fields.IntField(null=True)
    score = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    comment = fields.TextField(default="")
    rater_count = fields.IntField(null=True)
    scores_hidden = fields.BooleanField(default=False)
    hidden_reason = fields.CharField(max_length=24, default="")
    metrics = fields.JSONField(default=dict)
    flag = fields.CharField(max_length=20, default="")
    rank = fields.IntField(null=True)

    class Meta:
        table = "evaluation_result"
        unique_together = (("cycle_id", "kind", "subject_account_id"),)


class KpiSnapshotRun(TimestampedModel):
    """That the KPI snapshots of a period were taken (the job takes each period once)."""

    period_kind = fields.CharField(max_length=8)
    period_start = fields.DateField()

    class Meta:
        table = "kpi_snapshot_run"
        unique_together = (("period_kind", "period_start"),)


class PerformanceTraining(TimestampedModel):
    """A special training session assigned after a failed quarterly customer-service
    assessment (P5.1.2), due by a date, seen by the person and their supervisor."""

    account_id = fields.IntField(db_index=True)
    result = fields.ForeignKeyField(
        "models.EvaluationResult", related_name="trainings", on_delete=fields.RESTRICT
    )
    session_number = fields.IntField()
    due_on = fields.DateField()
    status = fields.CharField(max_length=10, default="ASSIGNED")
    attended_at = fields.DatetimeField(null=True)
    recorded_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "performance_training"
        unique_together = (("result", "session_number"),)


class FacilityTicket(TimestampedModel):
    """A facility fault raised to Engineering (P5.1.3), assigned to an engineer, to be fixed
    by fix_due_at. on_time says whether it was resolved by then."""

    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    location = fields.CharField(max_length=200, default="")
    raised_by_account_id = fields.IntField(db_index=True)
    assignee_account_id = fields.IntField(null=True, db_index=True)
    status = fields.CharField(max_length=10, default="OPEN", db_index=True)
    fix_due_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)
    resolved_by_account_id = fields.IntField(null=True)
    resolution = fields.TextField(default="")
    on_time = fields.BooleanField(null=True)

    class Meta:
        table = "facility_ticket"
