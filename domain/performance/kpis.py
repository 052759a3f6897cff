"""Key performance indicators of each team, per person and for the team, over a period, from
the system's own records (P5.1.1-P5.1.3), and the period snapshots the job stores as results
(P5.1.5).

- **Sales** (booking specialists, P5.1.1): the conversion rate (inquiries they took that became
  bookings) and the repeat-purchase rate come from the inquiries area's `conversion_stats`
  grouped by staff member (same definitions as the department's goals); the average spend per
  customer is the amount of their purchased stays (CONFIRMED, CHECKED_IN, CHECKED_OUT) checked
  in during the period over the distinct customers of those stays (one GROUP BY). Each person
  gets a score: the mean of their percentile ranks in the team on the three measures (a
  measure they have no figure for counts as the bottom). Each month the top
  `sales_bonus_top_percent` of the team with any activity (rounded up) are flagged BONUS.
- **Customer service** (representatives, P5.1.2): first-contact resolution, satisfaction and
  response time from the complaints area's `kpis`. A quarterly assessment fails when a measure
  the person has a figure for is below `cs_min_first_contact_resolution_percent` or
  `cs_min_satisfaction_score`, or the average response time is above `cs_max_response_hours`;
  a failure is flagged TRAINING and assigns `cs_failed_training_sessions` sessions, due
  `cs_training_spacing_days` apart, told to the person and their supervisors.
- **Technical support** (Engineering, P5.1.3): over the facility-fault tickets raised in the
  period, per assignee: the resolution rate (resolved of assigned) and fix timeliness (resolved
  by the fix deadline, of resolved). The year's best (resolution rate, then timeliness, then
  tickets resolved) is flagged PROMOTION_PRIORITY in the yearly snapshot.

Every figure is computed by grouped queries (a fixed number per team, whatever the head count).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from domain import notifications
from domain.actor import SYSTEM
from domain.complaints.kpis import kpis as complaint_kpis
from domain.inquiries.queries import local_day_start
from domain.inquiries.stats import PURCHASED, StatsGrouping, check_period, conversion_stats
from domain.models import (
    Booking,
    EvaluationResult,
    FacilityTicket,
    KpiSnapshotRun,
    PerformanceTraining,
)
from domain.performance.people import Team, staff, team_members
from domain.performance.periods import Period, PeriodKind, period_of
from domain.policy_params import params
from domain.unit_of_work import audited

HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


def _q(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(PLACES, ROUND_HALF_UP)


def _percent(part: int, whole: int) -> Decimal | None:
    return _q(Decimal(part) * HUNDRED / Decimal(whole)) if whole else None


@dataclass
class Figures:
    """One person's (or the team's, account_id None) figures: name -> number or None."""

    account_id: int | None
    values: dict[str, Decimal | int | None] = field(default_factory=dict)
    flag: str = ""
    rank: int | None = None

    @property
    def active(self) -> bool:
        return any(self.values.get(k) for k in ACTIVITY)

    def stored(self) -> dict[str, str | None]:
        return {k: None if v is None else str(v) for k, v in self.values.items()}


# The counts that say a person had anything to be measured on.
ACTIVITY = ("inquiries", "customers", "complaints", "tickets")


@dataclass
class TeamFigures:
    team: Team
    period_start: dt.date
    period_end: dt.date
    total: Figures
    people: list[Figures]


# ---- sales -----------------------------------------------------------------------------------


async def _spend(start: dt.date, end: dt.date, members: list[int]) -> dict[int, Decimal]:
    rows = (
        await Booking.filter(
            status__in=PURCHASED,
            check_in__gte=start,
            check_in__lte=end,
            created_by_account_id__in=members or [0],
        )
        .annotate(spend=Sum("total_amount"))
        .group_by("created_by_account_id")
        .values("created_by_account_id", "spend")
    )
    return {r["created_by_account_id"]: Decimal(str(r["spend"] or 0)) for r in rows}


def _sales_values(inquiries, converted, customers, repeaters, spend) -> dict:
    return {
        "inquiries": inquiries,
        "converted": converted,
        "conversion_rate_percent": _percent(converted, inquiries),
        "customers": customers,
        "spend": _q(spend),
        "average_spend_per_customer": _q(spend / customers) if customers else None,
        "repeat_customers": repeaters,
        "repeat_purchase_rate_percent": _percent(repeaters, customers),
    }


SALES_MEASURES = (
    "conversion_rate_percent",
    "average_spend_per_customer",
    "repeat_purchase_rate_percent",
)


def _score(people: list[Figures]) -> None:
    """Each person's score: the mean percentile rank (0-100) of their three measures."""
    n = len(people)
    scores = {id(p): Decimal(0) for p in people}
    for measure in SALES_MEASURES:
        valued = sorted(
            (p for p in people if p.values.get(measure) is not None),
            key=lambda p: p.values[measure],
        )
        for p in valued:
            below = sum(1 for o in valued if o.values[measure] < p.values[measure])
            scores[id(p)] += Decimal(100) if n == 1 else Decimal(below * 100) / Decimal(n - 1)
    for p in people:
        p.values["score"] = _q(scores[id(p)] / len(SALES_MEASURES))


async def sales(start: dt.date, end: dt.date) -> TeamFigures:
    members = await team_members(Team.SALES)
    stats = await conversion_stats(start, end, StatsGrouping.STAFF)
    by_staff = {g.staff_account_id: g for g in stats.groups if g.staff_account_id is not None}
    spend = await _spend(start, end, members)
    people = []
    for who in members:
        g = by_staff.get(who)
        counts = (g.inquiries, g.converted, g.customers, g.repeat_customers) if g else (0,) * 4
        people.append(Figures(who, _sales_values(*counts, spend.get(who, Decimal(0)))))
    _score(people)
    sums = [sum(p.values[k] for p in people) for k in
            ("inquiries", "converted", "customers", "repeat_customers", "spend")]
    return TeamFigures(Team.SALES, start, end, Figures(None, _sales_values(*sums)), people)


async def _flag_bonus(figures: TeamFigures) -> None:
    ranked = sorted(
        (p for p in figures.people if p.active),
        key=lambda p: (-p.values["score"], p.account_id),
    )
    for place, p in enumerate(ranked, 1):
        p.rank = place
    share = await params.sales_bonus_top_percent
    top = math.ceil(len(ranked) * share / HUNDRED) if share > 0 else 0
    for p in ranked[:top]:
        p.flag = "BONUS"


# ---- customer service ------------------------------------------------------------------------


def _cs_values(row) -> dict:
    rate = row.first_contact_resolution_rate if row else None
    return {
        "complaints": row.complaints if row else 0,
        "resolved": row.resolved if row else 0,
        "first_contact_resolution_rate_percent": None if rate is None else _q(
            Decimal(str(rate)) * HUNDRED
        ),
        "rated": row.rated if row else 0,
        "average_satisfaction": None if not row or row.average_satisfaction is None else _q(
            Decimal(str(row.average_satisfaction))
        ),
        "answered": row.answered if row else 0,
        "average_response_hours": None if not row or row.average_response_hours is None else _q(
            Decimal(str(row.average_response_hours))
        ),
    }


async def customer_service(start: dt.date, end: dt.date) -> TeamFigures:
    members = await team_members(Team.CUSTOMER_SERVICE)
    found = await complaint_kpis(start, end)
    by_rep = {r.account_id: r for r in found.representatives}
    people = [Figures(who, _cs_values(by_rep.get(who))) for who in members]
    return TeamFigures(Team.CUSTOMER_SERVICE, start, end, Figures(None, _cs_values(found.team)),
                       people)


async def _flag_failures(figures: TeamFigures) -> None:
    min_fcr = await params.cs_min_first_contact_resolution_percent
    min_score = await params.cs_min_satisfaction_score
    max_hours = await params.cs_max_response_hours
    for p in figures.people:
        v = p.values
        fcr, score, hours = (
            v["first_contact_resolution_rate_percent"],
            v["average_satisfaction"],
            v["average_response_hours"],
        )
        if (
            (fcr is not None and fcr < min_fcr)
            or (score is not None and score < min_score)
            or (hours is not None and hours > max_hours)
        ):
            p.flag = "TRAINING"


# ---- technical support -----------------------------------------------------------------------


def _tech_values(tickets: int, resolved: int, on_time: int) -> dict:
    return {
        "tickets": tickets,
        "resolved": resolved,
        "resolved_on_time": on_time,
        "resolution_rate_percent": _percent(resolved, tickets),
        "on_time_fix_rate_percent": _percent(on_time, resolved),
    }


_TICKET_COUNTS = {  # named apart from the columns they count
    "n_tickets": Count("id"),
    "n_resolved": Count("id", _filter=Q(status="RESOLVED")),
    "n_on_time": Count("id", _filter=Q(on_time=True)),
}


async def technical_support(start: dt.date, end: dt.date) -> TeamFigures:
    members = await team_members(Team.TECHNICAL_SUPPORT)
    period = FacilityTicket.filter(
        created_at__gte=local_day_start(start),
        created_at__lt=local_day_start(end + dt.timedelta(days=1)),
    )
    rows = (
        await period.filter(assignee_account_id__not_isnull=True)
        .annotate(**_TICKET_COUNTS)
        .group_by("assignee_account_id")
        .values("assignee_account_id", *_TICKET_COUNTS)
    )
    by_person = {r["assignee_account_id"]: r for r in rows}
    total = await period.annotate(**_TICKET_COUNTS).first().values(*_TICKET_COUNTS) or {}

    def values(r: dict) -> dict:
        return _tech_values(
            r.get("n_tickets") or 0, r.get("n_resolved") or 0, r.get("n_on_time") or 0
        )

    people = [Figures(who, values(by_person.get(who, {}))) for who in members]
    return TeamFigures(Team.TECHNICAL_SUPPORT, start, end, Figures(None, values(total)), people)


def _flag_year_best(figures: TeamFigures) -> None:
    def key(p: Figures):
        v = p.values
        return (
            v["resolution_rate_percent"] or 0,
            v["on_time_fix_rate_percent"] or 0,
            v["resolved"],
            -p.account_id,
        )

    ranked = sorted((p for p in figures.people if p.values["resolved"]), key=key, reverse=True)
    for place, p in enumerate(ranked, 1):
        p.rank = place
    if ranked:
        ranked[0].flag = "PROMOTION_PRIORITY"


COMPUTE = {
    Team.SALES: sales,
    Team.CUSTOMER_SERVICE: customer_service,
    Team.TECHNICAL_SUPPORT: technical_support,
}


async def team_kpis(team: Team, start: dt.date, end: dt.date) -> TeamFigures:
    """The figures of `team` over local days `start` to `end` (both included), live."""
    check_period(start, end)
    return await COMPUTE[team](start, end)


# ---- the period snapshots --------------------------------------------------------------------


def _rows(figures: TeamFigures, period: Period) -> list[EvaluationResult]:
    return [
        EvaluationResult(
            kind="KPI",
            team=figures.team.value,
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            label=period.label,
            subject_account_id=f.account_id,
            metrics=f.stored(),
            score=f.values.get("score"),
            flag=f.flag,
            rank=f.rank,
        )
        for f in [figures.total, *figures.people]
    ]


async def _assign_training(period: Period, failed: list[EvaluationResult]) -> int:
    sessions = await params.cs_failed_training_sessions
    spacing = await params.cs_training_spacing_days
    if not failed or sessions <= 0:
        return 0
    first_day = period.end + dt.timedelta(days=1)
    await PerformanceTraining.bulk_create(
        [
            PerformanceTraining(
                account_id=row.subject_account_id,
                result_id=row.id,
                session_number=n,
                due_on=first_day + dt.timedelta(days=spacing * n),
            )
            for row in failed
            for n in range(1, sessions + 1)
        ]
    )
    supervision = (await staff()).supervisors
    for row in failed:
        who = row.subject_account_id
        await notifications.notify_many(
            [who, *supervision.get(who, set())],
            "PERFORMANCE_TRAINING",
            f"Customer-service assessment {period.label} not passed: {sessions} training "
            f"sessions assigned",
            "The sessions and their due dates are listed under training sessions.",
            subject_type="EvaluationResult",
            subject_id=row.id,
        )
    return len(failed) * sessions


SNAPSHOT_TEAMS = {
    PeriodKind.MONTH: (Team.SALES, Team.CUSTOMER_SERVICE, Team.TECHNICAL_SUPPORT),
    PeriodKind.QUARTER: (Team.SALES, Team.CUSTOMER_SERVICE, Team.TECHNICAL_SUPPORT),
    PeriodKind.YEAR: (Team.TECHNICAL_SUPPORT,),
}


async def snapshot(period: Period) -> int:
    """Store the KPI results of every team for `period` once (a rerun, or a run racing this
    one, stores nothing): the rows, their flags and the training a failure assigns commit
    together. Returns the rows stored."""
    if await KpiSnapshotRun.exists(period_kind=period.kind.value, period_start=period.start):
        return 0

    async def work() -> int:
        await KpiSnapshotRun.create(period_kind=period.kind.value, period_start=period.start)
        stored = 0
        for team in SNAPSHOT_TEAMS[period.kind]:
            figures = await COMPUTE[team](period.start, period.end)
            if team == Team.SALES and period.kind == PeriodKind.MONTH:
                await _flag_bonus(figures)
            if team == Team.CUSTOMER_SERVICE and period.kind == PeriodKind.QUARTER:
                await _flag_failures(figures)
            if team == Team.TECHNICAL_SUPPORT and period.kind == PeriodKind.YEAR:
                _flag_year_best(figures)
            rows = _rows(figures, period)
            await EvaluationResult.bulk_create(rows)
            stored += len(rows)
            if team == Team.CUSTOMER_SERVICE and period.kind == PeriodKind.QUARTER:
                saved = await EvaluationResult.filter(
                    kind="KPI", team=team.value, period_kind=period.kind.value,
                    period_start=period.start, flag="TRAINING",
                )
                await _assign_training(period, saved)
        return stored

    try:
        return await audited(
            SYSTEM, "snapshotKpis", "KpiSnapshotRun", work, detail=f"{period.kind} {period.label}"
        )
    except IntegrityError:
        return 0  # another run took this period meanwhile


async def snapshot_finished_periods(today: dt.date) -> int:
    """The job's work: the last finished month, quarter and year, each once."""
    stored = 0
    for kind in SNAPSHOT_TEAMS:
        stored += await snapshot(period_of(kind, today).previous())
    return stored
