"""Continuous improvement (P8): the anonymous survey (answer, results), workshops, proposals
and the innovation fund. Every staff member answers the survey and submits proposals;
management and HR see the results; supervisors, the director and the committee review
proposals; Finance and the director manage the fund."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import improvement
from domain.errors import DomainError
from domain.models import EmployeeSurvey as SurveyRow
from domain.models import InnovationFundEntry as FundEntryRow
from domain.models import PolicyChange as PolicyChangeRow
from domain.models import PolicyReview as PolicyReviewRow
from domain.models import Proposal as ProposalRow
from domain.models import Workshop as WorkshopRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.improvement import (
    AssignWorkshopInput,
    CompletePolicyReviewInput,
    DepositToInnovationFundInput,
    EmployeeSurvey,
    InnovationFund,
    InnovationFundEntry,
    InnovationFundPayload,
    PayProposalRewardInput,
    PolicyChange,
    PolicyReview,
    PolicyReviewPayload,
    ProblemRank,
    ProblemType,
    Proposal,
    ProposalPayload,
    RecordTrainingInput,
    RecordTrainingPayload,
    ReviewProposalInput,
    ScheduleWorkshopInput,
    SubmitProposalInput,
    SubmitSurveyResponseInput,
    SubmitSurveyResponsePayload,
    SurveyResults,
    TrainingStatus,
    Workshop,
    WorkshopPayload,
    survey_of,
)
from schema.types.relay import Connection, paginate, parse_global_id


async def employee_survey(info: strawberry.Info) -> EmployeeSurvey:
    survey = await improvement.survey.current_survey()
    answered = await improvement.survey.has_answered(survey.id, info.context.identity.id)
    return survey_of(survey, improvement.survey.QUESTIONS, answered)


async def submit_survey_response(
    info: strawberry.Info, input: SubmitSurveyResponseInput
) -> SubmitSurveyResponsePayload:
    # The survey row is made (if this is its first use) before the unit of work, so the
    # audited transaction holds only the ballot and the pooled answer.
    survey = await improvement.survey.current_survey()

    async def work():
        await improvement.survey.submit(
            info.context.actor, survey, [p.value for p in input.problem_types], input.comment
        )

    # The audit subject is the survey: "this person used their ballot", never the answer.
    _, errors = await run_audited(
        info, "submitSurveyResponse", "EmployeeSurvey", work, subject_id=survey.id
    )
    return SubmitSurveyResponsePayload(accepted=not errors, errors=errors)


async def survey_results(info: strawberry.Info, month: str | None = None) -> SurveyResults | None:
    if month is None:
        row = await improvement.survey.current_survey()
    else:
        row = await SurveyRow.get_or_none(month=month.strip()[:7])
        if row is None:
            return None
    released = await improvement.survey.response_count(row.id)
    ranked = await improvement.survey.ranking(row.id)
    shown = await improvement.survey.results_shown(row.id)
    return SurveyResults(
        month=row.month,
        closed=row.closed,
        released_answers=released,
        shown=shown,
        ranking=[
            ProblemRank(problem_type=ProblemType(r.problem_type), mentions=r.mentions, rank=r.rank)
            for r in ranked
        ],
        survey_id=row.id,
    )


async def _months(rows) -> dict[int, str]:
    ids = {row.survey_id for row in rows}
    return dict(await SurveyRow.filter(id__in=ids).values_list("id", "month")) if ids else {}


async def list_workshops(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[Workshop]:
    page = await paginate(WorkshopRow.all(), first, after, lambda row: row)
    months = await _months([edge.node for edge in page.edges])
    for edge in page.edges:
        edge.node = Workshop.of(edge.node, months.get(edge.node.survey_id, ""))
    return page


async def assign_workshop(info: strawberry.Info, input: AssignWorkshopInput) -> WorkshopPayload:
    async def work():
        workshop_id = parse_global_id(input.workshop_id, "Workshop", "workshopId")
        return await improvement.workshops.assign(
            info.context.actor, workshop_id, input.owner_email, input.due_on
        )

    row, errors = await run_audited(info, "assignWorkshop", "Workshop", work)
    if row is None:
        return WorkshopPayload(errors=errors)
    months = await _months([row])
    return WorkshopPayload(workshop=Workshop.of(row, months.get(row.survey_id, "")))


async def schedule_workshop(info: strawberry.Info, input: ScheduleWorkshopInput) -> WorkshopPayload:
    async def work():
        workshop_id = parse_global_id(input.workshop_id, "Workshop", "workshopId")
        return await improvement.workshops.schedule(
            info.context.actor,
            workshop_id,
            input.starts_at,
            input.participant_emails,
            input.location,
            input.duration_minutes,
        )

    row, errors = await run_audited(info, "scheduleWorkshop", "Workshop", work)
    if row is None:
        return WorkshopPayload(errors=errors)
    months = await _months([row])
    return WorkshopPayload(workshop=Workshop.of(row, months.get(row.survey_id, "")))


async def list_proposals(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[Proposal]:
    rows = ProposalRow.all()
    if access_of(info, "proposal", "read") == Access.OWN:
        rows = rows.filter(author_account_id=info.context.identity.id)
    return await paginate(rows, first, after, Proposal.of)


async def submit_proposal(info: strawberry.Info, input: SubmitProposalInput) -> ProposalPayload:
    async def work():
        return await improvement.fund.submit(info.context.actor, input.title, input.description)

    row, errors = await run_audited(info, "submitProposal", "Proposal", work)
    return ProposalPayload(proposal=row and Proposal.of(row), errors=errors)


async def review_proposal(info: strawberry.Info, input: ReviewProposalInput) -> ProposalPayload:
    async def work():
        proposal_id = parse_global_id(input.proposal_id, "Proposal", "proposalId")
        return await improvement.fund.review(
            info.context.actor, proposal_id, input.accept, input.reason
        )

    row, errors = await run_audited(info, "reviewProposal", "Proposal", work)
    return ProposalPayload(proposal=row and Proposal.of(row), errors=errors)


async def pay_proposal_reward(
    info: strawberry.Info, input: PayProposalRewardInput
) -> ProposalPayload:
    async def work():
        proposal_id = parse_global_id(input.proposal_id, "Proposal", "proposalId")
        return await improvement.fund.pay_reward(info.context.actor, proposal_id, input.amount)

    row, errors = await run_audited(info, "payProposalReward", "Proposal", work)
    return ProposalPayload(proposal=row and Proposal.of(row), errors=errors)


async def innovation_fund(info: strawberry.Info) -> InnovationFund:
    return InnovationFund(balance=await improvement.fund.balance())


async def deposit_to_innovation_fund(
    info: strawberry.Info, input: DepositToInnovationFundInput
) -> InnovationFundPayload:
    async def work():
        return await improvement.fund.deposit(info.context.actor, input.amount, input.note)

    row, errors = await run_audited(info, "depositToInnovationFund", "InnovationFundEntry", work)
    return InnovationFundPayload(entry=row and InnovationFundEntry.of(row), errors=errors)


@register("Workshop", "workshop")
async def _workshop_node(info: strawberry.Info, pk: int, access) -> Workshop | None:
    row = await WorkshopRow.get_or_none(id=pk)
    if row is None:
        return None
    months = await _months([row])
    return Workshop.of(row, months.get(row.survey_id, ""))


@register("Proposal", "proposal")
async def _proposal_node(info: strawberry.Info, pk: int, access) -> Proposal | None:
    row = await ProposalRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and row.author_account_id != info.context.identity.id:
        return None
    return Proposal.of(row)


async def list_policy_reviews(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[PolicyReview]:
    return await paginate(PolicyReviewRow.all(), first, after, PolicyReview.of)


async def complete_policy_review(
    info: strawberry.Info, input: CompletePolicyReviewInput
) -> PolicyReviewPayload:
    async def work():
        review_id = parse_global_id(input.review_id, "PolicyReview", "reviewId")
        return await improvement.reviews.complete(
            info.context.actor,
            review_id,
            input.summary,
            [(change.title, change.major) for change in input.changes],
        )

    row, errors = await run_audited(info, "completePolicyReview", "PolicyReview", work)
    return PolicyReviewPayload(review=row and PolicyReview.of(row), errors=errors)


async def record_training(
    info: strawberry.Info, input: RecordTrainingInput
) -> RecordTrainingPayload:
    async def work():
        change_id = parse_global_id(input.change_id, "PolicyChange", "changeId")
        return await improvement.reviews.record_training(
            info.context.actor, change_id, input.staff_email
        )

    row, errors = await run_audited(info, "recordTraining", "TrainingRecord", work)
    return RecordTrainingPayload(recorded=row is not None, errors=errors)


async def training_status(info: strawberry.Info, change_id: strawberry.ID) -> TrainingStatus | None:
    try:
        pk = parse_global_id(str(change_id), "PolicyChange", "changeId")
    except DomainError:
        return None
    change = await PolicyChangeRow.get_or_none(id=pk, major=True)
    if change is None:
        return None
    return TrainingStatus(
        change=PolicyChange.of(change),
        trained=await improvement.reviews.trained_count(change.id),
        change_id=change.id,
    )


@register("PolicyReview", "policy_review")
async def _policy_review_node(info: strawberry.Info, pk: int, access) -> PolicyReview | None:
    row = await PolicyReviewRow.get_or_none(id=pk)
    return row and PolicyReview.of(row)


@register("PolicyChange", "policy_review")
async def _policy_change_node(info: strawberry.Info, pk: int, access) -> PolicyChange | None:
    row = await PolicyChangeRow.get_or_none(id=pk)
    return row and PolicyChange.of(row)


@register("InnovationFundEntry", "innovation_fund")
async def _fund_entry_node(info: strawberry.Info, pk: int, access) -> InnovationFundEntry | None:
    row = await FundEntryRow.get_or_none(id=pk)
    return row and InnovationFundEntry.of(row)
