"""Root fields of the first-stay satisfaction follow-up (P3.1.7): follow-ups for customer
service and supervisors, surveys (a guest's own), the aggregate for analysts, completing a
call and answering a survey (with the survey code, no sign-in needed)."""

from __future__ import annotations

import strawberry

from resolvers import followups
from schema.permissions import requires
from schema.types.followups import (
    FollowUp,
    FollowUpPayload,
    SatisfactionSummary,
    SatisfactionSurvey,
    SatisfactionSurveyPayload,
)
from schema.types.relay import Connection


@strawberry.type
class FollowUpQuery:
    follow_ups: Connection[FollowUp] = strawberry.field(
        resolver=followups.list_follow_ups,
        extensions=[requires("follow_up", "read")],
        description="First-stay follow-up calls, newest first; filter overdue: true for the "
        "ones past their due time.",
    )
    satisfaction_surveys: Connection[SatisfactionSurvey] = strawberry.field(
        resolver=followups.list_surveys,
        extensions=[requires("satisfaction_survey", "read")],
        description="First-stay satisfaction surveys: all for customer service, a guest's own.",
    )
    satisfaction_summary: SatisfactionSummary = strawberry.field(
        resolver=followups.satisfaction_summary,
        extensions=[requires("satisfaction_summary", "read")],
        description="Surveys sent and answered and the scores, in aggregate, over surveys "
        "created in the period (hotel-local days).",
    )


@strawberry.type
class FollowUpMutation:
    complete_follow_up: FollowUpPayload = strawberry.mutation(
        resolver=followups.complete_follow_up,
        extensions=[requires("follow_up", "complete")],
        description="Record the call's outcome: by the assigned representative or a supervisor.",
    )
    submit_satisfaction_survey: SatisfactionSurveyPayload = strawberry.mutation(
        resolver=followups.submit_satisfaction_survey,
        extensions=[requires("satisfaction_survey", "submit")],
        description="Answer a survey once: with its code (no sign-in), or as the signed-in "
        "guest with its id.",
    )
