"""Performance evaluation types (P5.1): stored results (self, supervisor, 360-degree aggregate,
KPI snapshot), cycles, the rater's own 360-degree tasks, training sessions after a failed
assessment, facility-fault tickets and live team KPIs. No type carries a 360-degree rater."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import performance
from domain.clock import clock
from domain.performance.periods import PeriodKind
from schema.loaders.performance import cycles_loader
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id
from schema.types.mapping import from_row

PerformanceTeam = strawberry.enum(performance.Team, name="PerformanceTeam")
EvaluationPeriodKind = strawberry.enum(PeriodKind, name="EvaluationPeriodKind")
EvaluationCycleKind = strawberry.enum(performance.CycleKind, name="EvaluationCycleKind")
EvaluationCycleStatus = strawberry.enum(performance.CycleStatus, name="EvaluationCycleStatus")
FacilityTicketStatus = strawberry.enum(performance.TicketStatus, name="FacilityTicketStatus")
EvaluationKind = strawberry.enum(performance.queries.ResultKind, name="EvaluationKind")


def staff_gid(account_id: int | None) -> strawberry.ID | None:
    if account_id is None:
        return None
    return strawberry.ID(relay.to_base64("StaffAccount", account_id))


@strawberry.type(description="One measure: e.g. conversion_rate_percent, average_satisfaction.")
class KpiFigure:
    key: str
    value: Decimal | None


def figures_of(values: dict) -> list[KpiFigure]:
    return [
        KpiFigure(key=k, value=None if v is None else Decimal(str(v)))
        for k, v in sorted((values or {}).items())
    ]


@strawberry.type(
    description="A stored evaluation result, the basis of pay and promotion (P5.1.5): a self "
    "or supervisor assessment, a 360-degree aggregate (anonymous: no rater is ever shown, and "
    "no score below the minimum of raters) or a KPI snapshot of a person or a team."
)
class EvaluationResult(relay.Node):
    id: relay.NodeID[int]
    kind: EvaluationKind
    team: PerformanceTeam | None = strawberry.field(description="For a KPI snapshot.")
    period_kind: EvaluationPeriodKind
    period_start: dt.date
    period_end: dt.date
    label: str
    score: Decimal | None = strawberry.field(
        description="1-5 for assessments (the 360-degree average); the composite sales score "
        "(0-100) for a sales KPI snapshot."
    )
    comment: str
    rater_count: int | None = strawberry.field(
        description="360-degree: how many raters answered, shown only with the scores."
    )
    scores_hidden: bool
    hidden_reason: str | None = strawberry.field(
        description="Why no score is shown: TOO_FEW_RATERS (fewer than evaluation_min_raters)."
    )
    flag: str | None = strawberry.field(
        description="BONUS (monthly sales top share), TRAINING (failed quarterly "
        "customer-service assessment) or PROMOTION_PRIORITY (the year's best engineer)."
    )
    rank: int | None
    created_at: dt.datetime
    subject_account_id: strawberry.Private[int | None]
    author_account_id: strawberry.Private[int | None]
    metrics: strawberry.Private[dict]

    @strawberry.field(description="The StaffAccount assessed; null for a team's aggregate.")
    def person_id(self) -> strawberry.ID | None:
        return staff_gid(self.subject_account_id)

    @strawberry.field(description="The colleague assessed; null for a team's aggregate.")
    async def person(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.subject_account_id)

    @strawberry.field(description="Who assessed: the person (SELF) or the supervisor.")
    async def assessed_by(self, info: strawberry.Info) -> Viewer | None:
        if self.kind not in ("SELF", "SUPERVISOR"):
            return None
        return await viewer_by_id(info, self.author_account_id)

    @strawberry.field(description="The KPI figures of a snapshot.")
    def figures(self) -> list[KpiFigure]:
        return figures_of(self.metrics)

    @classmethod
    def of(cls, row) -> EvaluationResult:
        return from_row(
            cls,
            row,
            kind=EvaluationKind(row.kind),
            team=row.team and PerformanceTeam(row.team),
            period_kind=EvaluationPeriodKind(row.period_kind),
            hidden_reason=row.hidden_reason or None,
            flag=row.flag or None,
            metrics=row.metrics or {},
        )


@strawberry.type(description="A round of assessment (P5.1.4).")
class EvaluationCycle(relay.Node):
    id: relay.NodeID[int]
    kind: EvaluationCycleKind
    period_kind: EvaluationPeriodKind
    period_start: dt.date
    period_end: dt.date
    label: str
    closes_at: dt.datetime
    status: EvaluationCycleStatus
    open: bool = strawberry.field(description="Whether answers are taken right now.")

    @classmethod
    def of(cls, row) -> EvaluationCycle:
        return from_row(
            cls,
            row,
            kind=EvaluationCycleKind(row.kind),
            period_kind=EvaluationPeriodKind(row.period_kind),
            status=EvaluationCycleStatus(row.status),
            open=performance.cycles.is_open(row),
        )


@strawberry.type(description="A colleague the caller is asked to rate (shown to the rater only).")
class PeerRatingTask:
    answered: bool
    cycle_id: strawberry.Private[int]
    reviewee_account_id: strawberry.Private[int]

    @strawberry.field
    async def cycle(self, info: strawberry.Info) -> EvaluationCycle | None:
        row = await cycles_loader(info).load(self.cycle_id)
        return row and EvaluationCycle.of(row)

    @strawberry.field(description="The StaffAccount to rate.")
    def reviewee_id(self) -> strawberry.ID | None:
        return staff_gid(self.reviewee_account_id)

    @strawberry.field
    async def reviewee(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.reviewee_account_id)

    @classmethod
    def of(cls, row) -> PeerRatingTask:
        return from_row(cls, row)


@strawberry.type(description="A special training session after a failed assessment (P5.1.2).")
class TrainingSession(relay.Node):
    id: relay.NodeID[int]
    session_number: int
    due_on: dt.date
    status: str = strawberry.field(description="ASSIGNED or ATTENDED.")
    attended_at: dt.datetime | None
    account_id: strawberry.Private[int]
    result_id: strawberry.Private[int]

    @strawberry.field
    def overdue(self) -> bool:
        return self.status == "ASSIGNED" and self.due_on < clock.today()

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.account_id)

    @strawberry.field(description="The failed assessment (an EvaluationResult).")
    def assessment_id(self) -> strawberry.ID:
        return strawberry.ID(relay.to_base64("EvaluationResult", self.result_id))

    @classmethod
    def of(cls, row) -> TrainingSession:
        return from_row(cls, row)


@strawberry.type(description="A facility fault raised to Engineering (P5.1.3).")
class FacilityTicket(relay.Node):
    id: relay.NodeID[int]
    title: str
    description: str
    location: str
    status: FacilityTicketStatus
    fix_due_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str
    on_time: bool | None = strawberry.field(description="Resolved by the fix deadline.")
    overdue: bool
    created_at: dt.datetime
    raised_by_account_id: strawberry.Private[int]
    assignee_account_id: strawberry.Private[int | None]
    resolved_by_account_id: strawberry.Private[int | None]

    @strawberry.field
    async def raised_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.raised_by_account_id)

    @strawberry.field
    async def assignee(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.assignee_account_id)

    @strawberry.field
    async def resolved_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.resolved_by_account_id)

    @classmethod
    def of(cls, row) -> FacilityTicket:
        return from_row(
            cls,
            row,
            status=FacilityTicketStatus(row.status),
            overdue=performance.tickets.overdue(row),
        )


@strawberry.type(description="A team's KPIs over a period, computed live (aggregates only).")
class TeamKpis:
    team: PerformanceTeam
    period_from: dt.date
    period_to: dt.date
    members: int = strawberry.field(description="How many people the team has.")
    figures: list[KpiFigure]


# ---- inputs and payloads ---------------------------------------------------------------------


@strawberry.input
class EvaluationFilter:
    kind: EvaluationKind | None = None
    team: PerformanceTeam | None = None
    period_kind: EvaluationPeriodKind | None = None
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A StaffAccount."
    )
    period_from: dt.date | None = strawberry.field(
        default=None, description="Periods starting on or after."
    )
    period_to: dt.date | None = strawberry.field(
        default=None, description="Periods starting on or before."
    )
    flag: str | None = None


@strawberry.input
class EvaluationCycleFilter:
    kind: EvaluationCycleKind | None = None
    status: EvaluationCycleStatus | None = None


@strawberry.input
class FacilityTicketFilter:
    status: FacilityTicketStatus | None = None
    only_mine: bool = strawberry.field(default=False, description="The tickets I raised.")


@strawberry.input
class SubmitSelfAssessmentInput:
    cycle_id: relay.GlobalID
    score: int
    comment: str | None = None


@strawberry.input
class SubmitSupervisorAssessmentInput:
    cycle_id: relay.GlobalID
    reviewee_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    score: int
    comment: str | None = None


@strawberry.input
class SubmitPeerRatingInput:
    cycle_id: relay.GlobalID
    reviewee_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    score: int


@strawberry.input
class RaiseFacilityTicketInput:
    title: str
    description: str | None = None
    location: str | None = None


@strawberry.input
class ResolveFacilityTicketInput:
    ticket_id: relay.GlobalID
    resolution: str


@strawberry.input
class RecordTrainingAttendanceInput:
    session_id: relay.GlobalID


@strawberry.type
class TrainingSessionPayload:
    session: TrainingSession | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EvaluationPayload:
    evaluation: EvaluationResult | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PeerRatingPayload:
    remaining: int | None = strawberry.field(
        default=None, description="Colleagues still to rate in the cycle."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FacilityTicketPayload:
    ticket: FacilityTicket | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
