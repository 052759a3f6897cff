"""Reading performance records with their visibility applied (P5.1.5, P6.1.2): with the
matrix's ALL (directors, HR) everything; otherwise one's own results and training, those of the
colleagues one supervises (`people.Staff.team_of`), and, with the aggregate grant (analysts),
the team-level KPI rows. A 360-degree rating task is shown to its rater only. Lists are
keyset-paged by id, newest first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tortoise.expressions import Q

from domain.models import (
    EvaluationCycle,
    EvaluationResult,
    PeerRatingTask,
    PerformanceTraining,
)
from domain.performance.people import staff


class ResultKind(StrEnum):
    SELF = "SELF"
    SUPERVISOR = "SUPERVISOR"
    PEER_360 = "PEER_360"
    KPI = "KPI"


@dataclass(frozen=True)
class Scope:
    """Whose records a reader reaches: everything, or `account_ids` (and team aggregates)."""

    everything: bool
    account_ids: frozenset[int] = frozenset()
    aggregates: bool = False


async def scope_for(account_id: int | None, *, everything: bool, aggregates: bool) -> Scope:
    if everything:
        return Scope(True)
    if account_id is None:
        return Scope(False)
    team = (await staff()).team_of(account_id)
    return Scope(False, frozenset({account_id, *team}), aggregates)


@dataclass
class ResultFilter:
    kind: str | None = None
    team: str | None = None
    period_kind: str | None = None
    subject_account_id: int | None = None
    period_from: dt.date | None = None  # periods starting on or after
    period_to: dt.date | None = None  # periods starting on or before
    flag: str | None = None


def _visible(query, scope: Scope, column: str = "subject_account_id"):
    if scope.everything:
        return query
    mine = Q(**{f"{column}__in": sorted(scope.account_ids) or [0]})
    if scope.aggregates and column == "subject_account_id":
        mine |= Q(kind="KPI", subject_account_id__isnull=True)
    return query.filter(mine)


async def _page(query, first: int, after_id: int | None):
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def list_results(scope: Scope, f: ResultFilter, *, first: int, after_id: int | None):
    query = _visible(EvaluationResult.all(), scope)
    if f.kind:
        query = query.filter(kind=f.kind)
    if f.team:
        query = query.filter(team=f.team)
    if f.period_kind:
        query = query.filter(period_kind=f.period_kind)
    if f.subject_account_id is not None:
        query = query.filter(subject_account_id=f.subject_account_id)
    if f.period_from:
        query = query.filter(period_start__gte=f.period_from)
    if f.period_to:
        query = query.filter(period_start__lte=f.period_to)
    if f.flag:
        query = query.filter(flag=f.flag)
    return await _page(query, first, after_id)


async def result_visible(row: EvaluationResult, scope: Scope) -> bool:
    return await _visible(EvaluationResult.filter(id=row.id), scope).exists()


async def list_training(scope: Scope, status: str | None, *, first: int, after_id: int | None):
    query = _visible(PerformanceTraining.all(), scope, "account_id")
    if status:
        query = query.filter(status=status)
    return await _page(query, first, after_id)


async def training_visible(row: PerformanceTraining, scope: Scope) -> bool:
    return scope.everything or row.account_id in scope.account_ids


async def list_cycles(kind: str | None, status: str | None, *, first: int, after_id: int | None):
    query = EvaluationCycle.all()
    if kind:
        query = query.filter(kind=kind)
    if status:
        query = query.filter(status=status)
    return await _page(query, first, after_id)


async def rating_tasks(rater_account_id: int | None) -> list[PeerRatingTask]:
    """The rater's own tasks in open 360-degree cycles, unanswered first (at most 200)."""
    if rater_account_id is None:
        return []
    return (
        await PeerRatingTask.filter(rater_account_id=rater_account_id, cycle__status="OPEN")
        .order_by("answered", "cycle_id", "reviewee_account_id")
        .limit(200)
    )
