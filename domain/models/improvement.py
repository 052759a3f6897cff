"""Continuous improvement (P8): the monthly anonymous staff survey, kept in three stores that
share nothing but the survey (ballots, the pending pool, released responses), the workshops
for its top problems, and the innovation fund ledger. See domain/improvement/survey.py for why
the survey tables look the way they do."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from domain.models.base import TimestampedModel, money_field


class EmployeeSurvey(TimestampedModel):
    """The anonymous staff questionnaire of one calendar month (P8.1)."""

    month = fields.CharField(max_length=7, unique=True)
    opens_at = fields.DatetimeField()
    closes_at = fields.DatetimeField()
    closed = fields.BooleanField(default=False, db_index=True)

    class Meta:
        table = "employee_survey"


class SurveyBallot(Model):
    """That a staff member has used their one ballot of a survey, and nothing else: no time,
    no answer, no reference to a response."""

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField(
        "models.EmployeeSurvey", related_name="ballots", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField()

    class Meta:
        table = "survey_ballot"
        unique_together = (("survey", "account_id"),)


class SurveyResponsePool(Model):
    """Answers not yet released, one row per survey, each new answer put at a random place in
    the list, so neither row order nor ids say which came first."""

    id = fields.IntField(primary_key=True)
    survey = fields.OneToOneField(
        "models.EmployeeSurvey", related_name="pool", on_delete=fields.RESTRICT
    )
    entries = fields.JSONField(default=list)

    class Meta:
        table = "survey_response_pool"


class SurveyResponse(Model):
    """A released anonymous answer: the survey, the free text, nothing about its author or its
    time. Ids are given in a shuffled order when a batch is released."""

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField(
        "models.EmployeeSurvey", related_name="responses", on_delete=fields.RESTRICT
    )
    comment = fields.TextField(default="")

    class Meta:
        table = "survey_response"


class SurveyProblemMention(Model):
    """One problem type named by one released answer, counted with GROUP BY for the ranking."""

    id = fields.IntField(primary_key=True)
    survey = fields.ForeignKeyField(
        "models.EmployeeSurvey", related_name="mentions", on_delete=fields.RESTRICT
    )
    response = fields.ForeignKeyField(
        "models.SurveyResponse", related_name="mentions", on_delete=fields.RESTRICT
    )
    problem_type = fields.CharField(max_length=24, db_index=True)

    class Meta:
        table = "survey_problem_mention"


class Workshop(TimestampedModel):
    """A workshop on one of the top problems of a closed survey (P8.2), with its owner."""

    survey = fields.ForeignKeyField(
        "models.EmployeeSurvey", related_name="workshops", on_delete=fields.RESTRICT
    )
    problem_type = fields.CharField(max_length=24)
    rank = fields.IntField()
    mentions = fields.IntField()
    status = fields.CharField(max_length=12, default="OPEN", db_index=True)
    owner_account_id = fields.IntField(null=True, db_index=True)
    due_on = fields.DateField(null=True)
    meeting_id = fields.IntField(null=True)

    class Meta:
        table = "workshop"
        unique_together = (("survey", "problem_type"),)


class InnovationFundEntry(TimestampedModel):
    """One movement of the innovation fund (P8.5): a deposit (positive) or a reward paid for an
    adopted proposal (negative), with the balance after it."""

    amount = money_field()
    balance_after = money_field()
    kind = fields.CharField(max_length=12)
    note = fields.CharField(max_length=200, default="")
    proposal_id = fields.IntField(null=True, unique=True)
    actor_account_id = fields.IntField(null=True)

    class Meta:
        table = "innovation_fund_entry"


class InnovationFund(Model):
    """The fund's current balance, one row, updated only conditionally so it never goes
    below zero however many rewards are paid at once."""

    id = fields.IntField(primary_key=True)
    balance = money_field(default=0)

    class Meta:
        table = "innovation_fund"


class Proposal(TimestampedModel):
    """An improvement proposal by a staff member, its review, adoption and reward (P8.5)."""

    title = fields.CharField(max_length=200)
    description = fields.TextField()
    author_account_id = fields.IntField(db_index=True)
    status = fields.CharField(max_length=12, default="SUBMITTED", db_index=True)
    reviewer_account_id = fields.IntField(null=True)
    review_reason = fields.TextField(default="")
    reviewed_at = fields.DatetimeField(null=True)
    reward = money_field(null=True)
    rewarded_at = fields.DatetimeField(null=True)
    followup_due_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "improvement_proposal"


class ImprovementFigures(TimestampedModel):
    """The satisfaction and efficiency figures of a window before an adopted proposal
    (BASELINE, taken at adoption) or after it (FOLLOW_UP, taken once the window has passed),
    for P8.4."""

    proposal = fields.ForeignKeyField(
        "models.Proposal", related_name="figures", on_delete=fields.RESTRICT
    )
    phase = fields.CharField(max_length=10)
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    bookings = fields.IntField()
    cancellations = fields.IntField()
    # Satisfaction: first-stay surveys answered in the window and their scores (1-5), and
    # complaints filed. Efficiency: seconds to the first response of those complaints.
    surveys_answered = fields.IntField(default=0)
    survey_score_total = fields.IntField(default=0)
    complaints = fields.IntField(default=0)
    complaints_responded = fields.IntField(default=0)
    response_seconds_total = fields.BigIntField(default=0)

    class Meta:
        table = "improvement_figures"
        unique_together = (("proposal", "phase"),)


class PolicyReview(TimestampedModel):
    """The six-monthly review of the policy (P8.3): when it is due, whether it was reminded,
    and its outcome once done."""

    due_on = fields.DateField(unique=True)
    status = fields.CharField(max_length=10, default="DUE", db_index=True)
    reminded_at = fields.DatetimeField(null=True)
    summary = fields.TextField(default="")
    completed_at = fields.DatetimeField(null=True)
    completed_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "policy_review"


class PolicyChange(TimestampedModel):
    """A change of the policy decided at a review, major ones needing all-staff training."""

    review = fields.ForeignKeyField(
        "models.PolicyReview", related_name="changes", on_delete=fields.RESTRICT
    )
    title = fields.CharField(max_length=200)
    major = fields.BooleanField(default=False)

    class Meta:
        table = "policy_change"


class TrainingRecord(TimestampedModel):
    """That a staff member completed the training for a policy change, and who recorded it."""

    change = fields.ForeignKeyField(
        "models.PolicyChange", related_name="trainings", on_delete=fields.RESTRICT
    )
    account_id = fields.IntField()
    recorded_by_account_id = fields.IntField(null=True)

    class Meta:
        table = "training_record"
        unique_together = (("change", "account_id"),)
