"""First-stay follow-ups and satisfaction surveys through the API (P3.1.7): the follow-up list
(overdue ones included), completing a call, the surveys (a guest sees their own), answering a
survey once (signed in, or with the survey code and no sign-in), and the aggregate an analyst
sees. Resolvers only: the rules are in `domain.followups`."""

from __future__ import annotations

import datetime as dt

import strawberry

from authz.enforcer import Access
from domain import followups
from domain.errors import DomainError, ErrorCode
from domain.models import FollowUp as FollowUpRow
from domain.models import SatisfactionSurvey as SurveyRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.errors import ApiError
from schema.types.followups import (
    CompleteFollowUpInput,
    FollowUp,
    FollowUpFilter,
    FollowUpPayload,
    SatisfactionSummary,
    SatisfactionSurvey,
    SatisfactionSurveyFilter,
    SatisfactionSurveyPayload,
    SubmitSatisfactionSurveyInput,
)
from schema.types.relay import Connection, paginate, parse_global_id


async def list_follow_ups(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: FollowUpFilter | None = None,
) -> Connection[FollowUp]:
    given = filter or FollowUpFilter()
    criteria = followups.FollowUpCriteria(
        overdue=given.overdue,
        status=[s.value for s in given.status] if given.status else None,
        assigned_to_me=bool(given.assigned_to_me),
        unassigned=given.unassigned,
    )
    own_only = access_of(info, "follow_up", "read") == Access.OWN
    query = followups.visible(info.context.actor, criteria, own_only=own_only)
    return await paginate(query, first, after, FollowUp.of)


async def list_surveys(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: SatisfactionSurveyFilter | None = None,
) -> Connection[SatisfactionSurvey]:
    own_only = access_of(info, "satisfaction_survey", "read") == Access.OWN
    query = followups.surveys.visible(
        info.context.identity, own_only=own_only, answered=filter and filter.answered
    )
    return await paginate(query, first, after, SatisfactionSurvey.of)


async def satisfaction_summary(
    info: strawberry.Info, since: dt.date | None = None, until: dt.date | None = None
) -> SatisfactionSummary:
    if since and until and since > until:
        raise ApiError("BAD_REQUEST", "The period ends before it starts.", field="until")
    numbers = await followups.surveys.summary(since, until)
    return SatisfactionSummary(
        sent=numbers["sent"],
        answered=numbers["answered"],
        average_score=numbers["average"],
        by_score=numbers["by_score"],
    )


async def complete_follow_up(
    info: strawberry.Info, input: CompleteFollowUpInput
) -> FollowUpPayload:
    async def work():
        pk = parse_global_id(input.follow_up_id, "FollowUp", "followUpId")
        if access_of(info, "follow_up", "complete") == Access.OWN:
            row = await followups.get_follow_up(pk)
            if row.assignee_account_id != info.context.identity.id:
                raise DomainError(ErrorCode.NOT_FOUND, "There is no such follow-up.", "followUpId")
        return await followups.complete(info.context.actor, pk, input.outcome.value, input.notes)

    row, errors = await run_audited(info, "completeFollowUp", "FollowUp", work)
    return FollowUpPayload(follow_up=row and FollowUp.of(row), errors=errors)


async def submit_satisfaction_survey(
    info: strawberry.Info, input: SubmitSatisfactionSurveyInput
) -> SatisfactionSurveyPayload:
    async def work():
        survey_id = (
            parse_global_id(input.survey_id, "SatisfactionSurvey", "surveyId")
            if input.survey_id is not None
            else None
        )
        return await followups.surveys.submit(
            info.context.actor,
            survey_id=survey_id,
            token=input.survey_token,
            score=input.score,
            comments=input.comments,
        )

    row, errors = await run_audited(info, "submitSatisfactionSurvey", "SatisfactionSurvey", work)
    return SatisfactionSurveyPayload(survey=row and SatisfactionSurvey.of(row), errors=errors)


@register("FollowUp", "follow_up")
async def _follow_up_node(info: strawberry.Info, pk: int, access: Access) -> FollowUp | None:
    row = await FollowUpRow.get_or_none(id=pk)
    if row is None or (
        access == Access.OWN and row.assignee_account_id != info.context.identity.id
    ):
        return None
    return FollowUp.of(row)


@register("SatisfactionSurvey", "satisfaction_survey")
async def _survey_node(info: strawberry.Info, pk: int, access: Access) -> SatisfactionSurvey | None:
    row = await SurveyRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not followups.surveys.belongs_to(info.context.identity, row):
        return None
    return SatisfactionSurvey.of(row)
