"""Performance evaluation fields of the root types (P5.1)."""

from __future__ import annotations

import strawberry

from resolvers import performance as resolvers
from schema.permissions import requires
from schema.types.performance import (
    EvaluationCycle,
    EvaluationPayload,
    EvaluationResult,
    FacilityTicket,
    FacilityTicketPayload,
    PeerRatingPayload,
    PeerRatingTask,
    TeamKpis,
    TrainingSession,
    TrainingSessionPayload,
)
from schema.types.relay import Connection


@strawberry.type
class PerformanceQuery:
    evaluations: Connection[EvaluationResult] = strawberry.field(
        resolver=resolvers.list_evaluations,
        extensions=[requires("evaluation", "read")],
        description="Stored results, newest first (P5.1.5): directors and HR see all; staff "
        "their own and those of the colleagues they supervise; analysts also the teams' KPI "
        "aggregates.",
    )
    evaluation_cycles: Connection[EvaluationCycle] = strawberry.field(
        resolver=resolvers.list_cycles,
        extensions=[requires("evaluation_cycle", "read")],
        description="Assessment rounds, newest first (P5.1.4).",
    )
    peer_rating_tasks: list[PeerRatingTask] = strawberry.field(
        resolver=resolvers.peer_rating_tasks,
        extensions=[requires("peer_rating", "read")],
        description="The caller's own 360-degree rating tasks in open cycles (P5.1.4).",
    )
    training_sessions: Connection[TrainingSession] = strawberry.field(
        resolver=resolvers.list_training,
        extensions=[requires("performance_training", "read")],
        description="Training after a failed customer-service assessment (P5.1.2): one's own "
        "and one's team's; directors and HR all.",
    )
    facility_tickets: Connection[FacilityTicket] = strawberry.field(
        resolver=resolvers.list_tickets,
        extensions=[requires("facility_ticket", "read")],
        description="Facility faults raised to Engineering, newest first (P5.1.3).",
    )
    team_kpis: TeamKpis = strawberry.field(
        resolver=resolvers.team_kpis,
        extensions=[requires("evaluation_aggregate", "read")],
        description="A team's KPIs over a period, live; aggregates only (P5.1.1-P5.1.3).",
    )


@strawberry.type
class PerformanceMutation:
    submit_self_assessment: EvaluationPayload = strawberry.mutation(
        resolver=resolvers.submit_self_assessment,
        extensions=[requires("self_assessment", "submit")],
    )
    submit_supervisor_assessment: EvaluationPayload = strawberry.mutation(
        resolver=resolvers.submit_supervisor_assessment,
        extensions=[requires("supervisor_assessment", "submit")],
    )
    submit_peer_rating: PeerRatingPayload = strawberry.mutation(
        resolver=resolvers.submit_peer_rating,
        extensions=[requires("peer_rating", "submit")],
    )
    raise_facility_ticket: FacilityTicketPayload = strawberry.mutation(
        resolver=resolvers.raise_facility_ticket,
        extensions=[requires("facility_ticket", "raise")],
    )
    resolve_facility_ticket: FacilityTicketPayload = strawberry.mutation(
        resolver=resolvers.resolve_facility_ticket,
        extensions=[requires("facility_ticket", "resolve")],
    )
    record_training_attendance: TrainingSessionPayload = strawberry.mutation(
        resolver=resolvers.record_training_attendance,
        extensions=[requires("performance_training", "record")],
        description="The person's supervisor, HR or a director records an attended session.",
    )
