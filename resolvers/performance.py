"""Performance evaluation (P5.1): results, cycles, the rater's own 360-degree tasks, training
sessions, facility tickets and live team KPIs; the assessments, ratings and tickets.

Visibility: with the matrix's ALL (directors, HR) every result and session; with OWN one's
own, those of the colleagues one supervises, and with `evaluation_aggregate:read` (analysts)
the teams' KPI aggregates."""

from __future__ import annotations

import datetime as dt

import strawberry

from authz.enforcer import Access, enforcer
from domain import performance
from domain.errors import DomainError
from domain.models import EvaluationCycle as CycleRow
from domain.models import EvaluationResult as ResultRow
from domain.models import FacilityTicket as TicketRow
from domain.models import PerformanceTraining as TrainingRow
from domain.performance import queries
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, run_self_audited
from schema.types.errors import ApiError, user_errors
from schema.types.performance import (
    EvaluationCycle,
    EvaluationCycleFilter,
    EvaluationFilter,
    EvaluationPayload,
    EvaluationResult,
    FacilityTicket,
    FacilityTicketFilter,
    FacilityTicketPayload,
    PeerRatingPayload,
    PeerRatingTask,
    PerformanceTeam,
    RaiseFacilityTicketInput,
    RecordTrainingAttendanceInput,
    ResolveFacilityTicketInput,
    SubmitPeerRatingInput,
    SubmitSelfAssessmentInput,
    SubmitSupervisorAssessmentInput,
    TeamKpis,
    TrainingSession,
    TrainingSessionPayload,
    figures_of,
)
from schema.types.relay import Connection, paged, parse_global_id


def _bad_request(refusal: DomainError) -> ApiError:
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


async def _scope(info: strawberry.Info, resource: str, access: Access | None = None):
    identity = info.context.identity
    everything = (access or access_of(info, resource, "read")) == Access.ALL
    aggregates = await enforcer.decide(identity, "evaluation_aggregate", "read") is not None
    return await queries.scope_for(
        info.context.actor.account_id, everything=everything, aggregates=aggregates
    )


async def list_evaluations(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: EvaluationFilter | None = None,
) -> Connection[EvaluationResult]:
    f = filter or EvaluationFilter()
    try:
        person = (
            None if f.person_id is None
            else parse_global_id(f.person_id, "StaffAccount", "filter.personId")
        )
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    criteria = queries.ResultFilter(
        kind=f.kind.value if f.kind else None,
        team=f.team.value if f.team else None,
        period_kind=f.period_kind.value if f.period_kind else None,
        subject_account_id=person,
        period_from=f.period_from,
        period_to=f.period_to,
        flag=f.flag,
    )
    scope = await _scope(info, "evaluation")
    return await paged(
        first,
        after,
        lambda size, after_id: queries.list_results(scope, criteria, first=size,
                                                    after_id=after_id),
        EvaluationResult.of,
    )


async def list_cycles(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: EvaluationCycleFilter | None = None,
) -> Connection[EvaluationCycle]:
    f = filter or EvaluationCycleFilter()
    return await paged(
        first,
        after,
        lambda size, after_id: queries.list_cycles(
            f.kind.value if f.kind else None,
            f.status.value if f.status else None,
            first=size,
            after_id=after_id,
        ),
        EvaluationCycle.of,
    )


async def peer_rating_tasks(info: strawberry.Info) -> list[PeerRatingTask]:
    rows = await queries.rating_tasks(info.context.actor.account_id)
    return [PeerRatingTask.of(row) for row in rows]


async def list_training(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    status: str | None = None,
) -> Connection[TrainingSession]:
    scope = await _scope(info, "performance_training")
    return await paged(
        first,
        after,
        lambda size, after_id: queries.list_training(scope, status, first=size,
                                                     after_id=after_id),
        TrainingSession.of,
    )


async def list_tickets(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: FacilityTicketFilter | None = None,
) -> Connection[FacilityTicket]:
    f = filter or FacilityTicketFilter()
    mine = f.only_mine or access_of(info, "facility_ticket", "read") == Access.OWN
    criteria = performance.tickets.TicketFilter(
        status=f.status.value if f.status else None,
        raised_by_account_id=info.context.actor.account_id if mine else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: performance.tickets.list_tickets(
            criteria, first=size, after_id=after_id
        ),
        FacilityTicket.of,
    )


async def team_kpis(
    info: strawberry.Info, team: PerformanceTeam, period_from: dt.date, period_to: dt.date
) -> TeamKpis:
    try:
        found = await performance.kpis.team_kpis(
            performance.Team(team.value), period_from, period_to
        )
    except DomainError as refusal:
        raise _bad_request(refusal) from None
    return TeamKpis(
        team=team,
        period_from=period_from,
        period_to=period_to,
        members=len(found.people),
        figures=figures_of(found.total.stored()),
    )


# ---- mutations -------------------------------------------------------------------------------


async def submit_self_assessment(
    info: strawberry.Info, input: SubmitSelfAssessmentInput
) -> EvaluationPayload:
    async def work():
        cycle = parse_global_id(input.cycle_id, "EvaluationCycle", "cycleId")
        return await performance.cycles.submit_self(
            info.context.actor, cycle, input.score, input.comment
        )

    row, errors = await run_audited(info, "submitSelfAssessment", "EvaluationResult", work)
    return EvaluationPayload(evaluation=row and EvaluationResult.of(row), errors=errors)


async def submit_supervisor_assessment(
    info: strawberry.Info, input: SubmitSupervisorAssessmentInput
) -> EvaluationPayload:
    async def work():
        cycle = parse_global_id(input.cycle_id, "EvaluationCycle", "cycleId")
        reviewee = parse_global_id(input.reviewee_id, "StaffAccount", "revieweeId")
        return await performance.cycles.submit_supervisor(
            info.context.actor, cycle, reviewee, input.score, input.comment
        )

    row, errors = await run_audited(info, "submitSupervisorAssessment", "EvaluationResult", work)
    return EvaluationPayload(evaluation=row and EvaluationResult.of(row), errors=errors)


async def submit_peer_rating(
    info: strawberry.Info, input: SubmitPeerRatingInput
) -> PeerRatingPayload:
    try:
        cycle = parse_global_id(input.cycle_id, "EvaluationCycle", "cycleId")
        reviewee = parse_global_id(input.reviewee_id, "StaffAccount", "revieweeId")
    except DomainError as refusal:
        return PeerRatingPayload(errors=user_errors(refusal))
    remaining, errors = await run_self_audited(
        lambda: performance.cycles.submit_peer(info.context.actor, cycle, reviewee, input.score)
    )
    return PeerRatingPayload(remaining=remaining, errors=errors)


async def raise_facility_ticket(
    info: strawberry.Info, input: RaiseFacilityTicketInput
) -> FacilityTicketPayload:
    async def work():
        return await performance.tickets.raise_ticket(
            info.context.actor, input.title, input.description, input.location
        )

    row, errors = await run_audited(info, "raiseFacilityTicket", "FacilityTicket", work)
    return FacilityTicketPayload(ticket=row and FacilityTicket.of(row), errors=errors)


async def resolve_facility_ticket(
    info: strawberry.Info, input: ResolveFacilityTicketInput
) -> FacilityTicketPayload:
    async def work():
        ticket = parse_global_id(input.ticket_id, "FacilityTicket", "ticketId")
        return await performance.tickets.resolve_ticket(
            info.context.actor, ticket, input.resolution
        )

    row, errors = await run_audited(info, "resolveFacilityTicket", "FacilityTicket", work)
    return FacilityTicketPayload(ticket=row and FacilityTicket.of(row), errors=errors)


async def record_training_attendance(
    info: strawberry.Info, input: RecordTrainingAttendanceInput
) -> TrainingSessionPayload:
    everyone = access_of(info, "performance_training", "record") == Access.ALL

    async def work():
        session = parse_global_id(input.session_id, "TrainingSession", "sessionId")
        return await performance.training.record_attendance(
            info.context.actor, session, everyone=everyone
        )

    row, errors = await run_audited(info, "recordTrainingAttendance", "TrainingSession", work)
    return TrainingSessionPayload(session=row and TrainingSession.of(row), errors=errors)


# ---- nodes -----------------------------------------------------------------------------------


@register("EvaluationResult", "evaluation")
async def _result_node(info: strawberry.Info, pk: int, access) -> EvaluationResult | None:
    row = await ResultRow.get_or_none(id=pk)
    if row is None or not await queries.result_visible(
        row, await _scope(info, "evaluation", access)
    ):
        return None
    return EvaluationResult.of(row)


@register("EvaluationCycle", "evaluation_cycle")
async def _cycle_node(info: strawberry.Info, pk: int, access) -> EvaluationCycle | None:
    row = await CycleRow.get_or_none(id=pk)
    return row and EvaluationCycle.of(row)


@register("TrainingSession", "performance_training")
async def _training_node(info: strawberry.Info, pk: int, access) -> TrainingSession | None:
    row = await TrainingRow.get_or_none(id=pk)
    scope = await _scope(info, "performance_training", access)
    if row is None or not await queries.training_visible(row, scope):
        return None
    return TrainingSession.of(row)


@register("FacilityTicket", "facility_ticket")
async def _ticket_node(info: strawberry.Info, pk: int, access) -> FacilityTicket | None:
    row = await TicketRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and row.raised_by_account_id != info.context.actor.account_id:
        return None
    return FacilityTicket.of(row)
