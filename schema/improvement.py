"""Improvement fields of the root types (P8)."""

from __future__ import annotations

import strawberry

from resolvers import improvement as improvement_resolvers
from schema.permissions import requires
from schema.types.improvement import (
    EmployeeSurvey,
    InnovationFund,
    InnovationFundPayload,
    PolicyReview,
    PolicyReviewPayload,
    Proposal,
    ProposalPayload,
    RecordTrainingPayload,
    SubmitSurveyResponsePayload,
    SurveyResults,
    TrainingStatus,
    Workshop,
    WorkshopPayload,
)
from schema.types.relay import Connection


@strawberry.type
class ImprovementQuery:
    employee_survey: EmployeeSurvey = strawberry.field(
        resolver=improvement_resolvers.employee_survey,
        extensions=[requires("survey", "answer")],
        description="This month's anonymous staff survey (P8.1).",
    )
    survey_results: SurveyResults | None = strawberry.field(
        resolver=improvement_resolvers.survey_results,
        extensions=[requires("survey", "results")],
        description="A month's released answers, ranked (default: this month). P8.1.",
    )
    workshops: Connection[Workshop] = strawberry.field(
        resolver=improvement_resolvers.list_workshops, extensions=[requires("workshop", "read")]
    )
    proposals: Connection[Proposal] = strawberry.field(
        resolver=improvement_resolvers.list_proposals, extensions=[requires("proposal", "read")]
    )
    innovation_fund: InnovationFund = strawberry.field(
        resolver=improvement_resolvers.innovation_fund,
        extensions=[requires("innovation_fund", "read")],
    )
    policy_reviews: Connection[PolicyReview] = strawberry.field(
        resolver=improvement_resolvers.list_policy_reviews,
        extensions=[requires("policy_review", "read")],
        description="The six-monthly policy reviews, the next one first (P8.3).",
    )
    training_status: TrainingStatus | None = strawberry.field(
        resolver=improvement_resolvers.training_status,
        extensions=[requires("training", "read")],
        description="Who has not yet been trained on a major policy change (P8.3).",
    )


@strawberry.type
class ImprovementMutation:
    submit_survey_response: SubmitSurveyResponsePayload = strawberry.mutation(
        resolver=improvement_resolvers.submit_survey_response,
        extensions=[requires("survey", "answer")],
    )
    assign_workshop: WorkshopPayload = strawberry.mutation(
        resolver=improvement_resolvers.assign_workshop,
        extensions=[requires("workshop", "assign")],
    )
    schedule_workshop: WorkshopPayload = strawberry.mutation(
        resolver=improvement_resolvers.schedule_workshop,
        extensions=[requires("workshop", "assign")],
        description="Call a workshop as a special meeting with its owner (P8.2).",
    )
    submit_proposal: ProposalPayload = strawberry.mutation(
        resolver=improvement_resolvers.submit_proposal,
        extensions=[requires("proposal", "submit")],
    )
    review_proposal: ProposalPayload = strawberry.mutation(
        resolver=improvement_resolvers.review_proposal,
        extensions=[requires("proposal", "review")],
    )
    pay_proposal_reward: ProposalPayload = strawberry.mutation(
        resolver=improvement_resolvers.pay_proposal_reward,
        extensions=[requires("innovation_fund", "manage")],
    )
    deposit_to_innovation_fund: InnovationFundPayload = strawberry.mutation(
        resolver=improvement_resolvers.deposit_to_innovation_fund,
        extensions=[requires("innovation_fund", "manage")],
    )
    complete_policy_review: PolicyReviewPayload = strawberry.mutation(
        resolver=improvement_resolvers.complete_policy_review,
        extensions=[requires("policy_review", "complete")],
    )
    record_training: RecordTrainingPayload = strawberry.mutation(
        resolver=improvement_resolvers.record_training,
        extensions=[requires("training", "record")],
    )
