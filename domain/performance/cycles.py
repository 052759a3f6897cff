"""Evaluation cycles (P5.1.4): a monthly self-assessment, a quarterly supervisor assessment and
a half-yearly 360-degree assessment, anonymous and cross-department; their answers and the
360-degree aggregates are stored as results (P5.1.5).

A cycle covers its period and stays open `evaluation_window_days` after it; the job opens the
cycles of the current period and closes the due ones (both idempotent). Answers are scores
from 1 to 5. A colleague assesses only themselves in a SELF cycle (one answer), only a
colleague they supervise in a SUPERVISOR cycle (`people.supervisors_of`), and only the
colleagues they were assigned in a PEER_360 cycle, never themselves (SELF_RATING).

How the 360-degree rater stays unknown to the reviewee, HR and anyone reading results:

- Raters are drawn at random, when the cycle opens, from the active staff of *other*
  departments (`evaluation_360_raters` per colleague). The task rows (cycle, reviewee, rater,
  answered) are shown to the rater only, never as a node, a result field or to HR.
- A score is never stored on its own: it is added to the reviewee's tally (answers, sum) in
  the cycle, a row holding no rater and no time; the task only turns `answered`.
- The audit entry of a rating names the rater (they did act) and the *cycle*, never the
  reviewee, with no detail; refusals likewise. No notification or outbox event is sent.
- Results are made only when the cycle closes, so the aggregate cannot be watched moving;
  a result shows the average and the number of raters only when at least
  `evaluation_min_raters` answered, otherwise no score at all (hidden_reason TOO_FEW_RATERS).
  The tallies are deleted once the results are made.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.inquiries.queries import local_day_start
from domain.models import (
    Account,
    EvaluationCycle,
    EvaluationResult,
    PeerRatingTally,
    PeerRatingTask,
)
from domain.performance.people import staff, supervisors_of
from domain.performance.periods import Period, PeriodKind, period_of
from domain.policy_params import params
from domain.unit_of_work import audited

MAX_COMMENT = 2_000
TOO_FEW_RATERS = "TOO_FEW_RATERS"


class CycleKind(StrEnum):
    SELF = "SELF"
    SUPERVISOR = "SUPERVISOR"
    PEER_360 = "PEER_360"


class CycleStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


PERIOD_OF_CYCLE = {
    CycleKind.SELF: PeriodKind.MONTH,
    CycleKind.SUPERVISOR: PeriodKind.QUARTER,
    CycleKind.PEER_360: PeriodKind.HALF,
}


def is_open(cycle: EvaluationCycle) -> bool:
    return cycle.status == CycleStatus.OPEN and cycle.closes_at > clock.now()


# ---- opening and closing (the job) -----------------------------------------------------------


async def _assign_raters(cycle: EvaluationCycle) -> int:
    """Tasks for raters of other departments, drawn at random, and an empty tally each."""
    people = await staff()
    wanted = await params.evaluation_360_raters
    draw = random.SystemRandom()
    reviewees = sorted(who for who, dept in people.department.items() if dept)
    tasks, tallies, raters = [], [], set()
    for reviewee in reviewees:
        dept = people.department[reviewee]
        pool = sorted(w for w, d in people.department.items() if d and d != dept)
        for rater in draw.sample(pool, min(wanted, len(pool))):
            tasks.append(PeerRatingTask(cycle_id=cycle.id, reviewee_account_id=reviewee,
                                        rater_account_id=rater))
            raters.add(rater)
        tallies.append(PeerRatingTally(cycle_id=cycle.id, reviewee_account_id=reviewee))
    draw.shuffle(tasks)  # ids say nothing of whom a rater was drawn for first
    await PeerRatingTask.bulk_create(tasks)
    await PeerRatingTally.bulk_create(tallies)
    await notifications.notify_many(
        sorted(raters),
        "PEER_RATING_ASSIGNED",
        f"360-degree assessment {cycle.label}: colleagues of other departments to rate",
        "Your ratings are anonymous. The colleagues are listed under your rating tasks.",
        subject_type="EvaluationCycle",
        subject_id=cycle.id,
    )
    return len(tasks)


async def _open(kind: CycleKind, period: Period) -> EvaluationCycle | None:
    if await EvaluationCycle.exists(kind=kind.value, period_start=period.start):
        return None
    window = await params.evaluation_window_days
    closes_at = local_day_start(period.end + dt.timedelta(days=1 + window))

    async def work() -> EvaluationCycle:
        cycle = await EvaluationCycle.create(
            kind=kind.value,
            period_kind=period.kind.value,
            period_start=period.start,
            period_end=period.end,
            label=period.label,
            closes_at=closes_at,
        )
        if kind == CycleKind.PEER_360:
            await _assign_raters(cycle)
        return cycle

    try:
        return await audited(SYSTEM, "openEvaluationCycle", "EvaluationCycle", work)
    except IntegrityError:
        return None  # another run opened it meanwhile


async def open_current(today: dt.date) -> int:
    """Open the cycle of each kind for the period holding `today`, once."""
    opened = 0
    for kind, period_kind in PERIOD_OF_CYCLE.items():
        opened += await _open(kind, period_of(period_kind, today)) is not None
    return opened


async def _peer_results(cycle: EvaluationCycle) -> int:
    minimum = await params.evaluation_min_raters
    tallies = await PeerRatingTally.filter(cycle_id=cycle.id).order_by("reviewee_account_id")
    rows = []
    for t in tallies:
        enough = t.answers >= minimum
        rows.append(
            EvaluationResult(
                kind=CycleKind.PEER_360.value,
                period_kind=cycle.period_kind,
                period_start=cycle.period_start,
                period_end=cycle.period_end,
                label=cycle.label,
                cycle_id=cycle.id,
                subject_account_id=t.reviewee_account_id,
                score=(Decimal(t.score_sum) / Decimal(t.answers)).quantize(Decimal("0.01"))
                if enough
                else None,
                rater_count=t.answers if enough else None,
                scores_hidden=not enough,
                hidden_reason="" if enough else TOO_FEW_RATERS,
            )
        )
    await EvaluationResult.bulk_create(rows)
    await PeerRatingTally.filter(cycle_id=cycle.id).delete()
    return len(rows)


async def close_due(limit: int = 20) -> int:
    """Close every open cycle past its window, once: a conditional update claims it, and the
    360-degree results are made in the same transaction."""
    due = (
        await EvaluationCycle.filter(status=CycleStatus.OPEN, closes_at__lte=clock.now())
        .order_by("id")
        .limit(limit)
    )
    closed = 0
    for cycle in due:

        async def work(cycle: EvaluationCycle = cycle) -> int:
            claimed = await EvaluationCycle.filter(id=cycle.id, status=CycleStatus.OPEN).update(
                status=CycleStatus.CLOSED, closed_at=clock.now()
            )
            if not claimed:
                return 0
            if cycle.kind == CycleKind.PEER_360:
                await _peer_results(cycle)
            return 1

        closed += await audited(
            SYSTEM, "closeEvaluationCycle", "EvaluationCycle", work, subject_id=cycle.id
        )
    return closed


# ---- answering -------------------------------------------------------------------------------


def _score(score: int) -> int:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "A score is from 1 to 5.", "score")
    return score


def _comment(comment: str | None) -> str:
    clean = (comment or "").strip()
    if len(clean) > MAX_COMMENT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_COMMENT} characters.", "comment")
    return clean


async def _cycle(cycle_id: int, kind: CycleKind) -> EvaluationCycle:
    cycle = await EvaluationCycle.get_or_none(id=cycle_id)
    if cycle is None or cycle.kind != kind:
        raise DomainError(ErrorCode.NOT_FOUND, "No such evaluation cycle of this kind.", "cycleId")
    if not is_open(cycle):
        raise DomainError(ErrorCode.CYCLE_CLOSED, "The evaluation cycle is closed.", "cycleId")
    return cycle


async def _staff_member(account_id: int) -> Account:
    found = await Account.get_or_none(id=account_id, kind="STAFF", is_active=True)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such colleague.", "revieweeId")
    return found


def _result(cycle: EvaluationCycle, subject: int, author: int | None, **values):
    return EvaluationResult.create(
        kind=cycle.kind,
        period_kind=cycle.period_kind,
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        label=cycle.label,
        cycle_id=cycle.id,
        subject_account_id=subject,
        author_account_id=author,
        **values,
    )


async def _create_once(cycle, subject, author, message, **values) -> EvaluationResult:
    if await EvaluationResult.exists(cycle_id=cycle.id, kind=cycle.kind,
                                     subject_account_id=subject):
        raise DomainError(ErrorCode.DUPLICATE, message, "cycleId")
    try:
        async with in_transaction():
            return await _result(cycle, subject, author, **values)
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, message, "cycleId") from None


async def submit_self(actor: Actor, cycle_id: int, score: int, comment: str | None):
    """The monthly self-assessment (inside the caller's unit of work)."""
    me = actor.account_id
    if me is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Staff assess themselves.", "cycleId")
    cycle = await _cycle(cycle_id, CycleKind.SELF)
    return await _create_once(
        cycle, me, me, N_("You have assessed yourself in this cycle already."),
        score=Decimal(_score(score)), comment=_comment(comment),
    )


async def submit_supervisor(
    actor: Actor, cycle_id: int, reviewee_id: int, score: int, comment: str | None
):
    """The quarterly supervisor assessment, by the reviewee's supervisor only."""
    me = actor.account_id
    if me is not None and me == reviewee_id:
        raise DomainError(ErrorCode.SELF_RATING, "You cannot assess yourself here.", "revieweeId")
    cycle = await _cycle(cycle_id, CycleKind.SUPERVISOR)
    await _staff_member(reviewee_id)
    if me is None or me not in await supervisors_of(reviewee_id):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only the colleague's supervisor assesses them.", "revieweeId"
        )
    return await _create_once(
        cycle, reviewee_id, me, N_("The colleague has been assessed in this cycle already."),
        score=Decimal(_score(score)), comment=_comment(comment),
    )


async def submit_peer(actor: Actor, cycle_id: int, reviewee_id: int, score: int) -> int:
    """A 360-degree rating: the rater's task turns answered and the score joins the reviewee's
    tally; nothing else is kept. Audited against the cycle only. Returns the rater's tasks
    still open in the cycle."""
    me = actor.account_id

    async def work() -> int:
        value = _score(score)
        if me is not None and me == reviewee_id:
            raise DomainError(ErrorCode.SELF_RATING, "You cannot rate yourself.", "revieweeId")
        await _cycle(cycle_id, CycleKind.PEER_360)
        claimed = await PeerRatingTask.filter(
            cycle_id=cycle_id, reviewee_account_id=reviewee_id, rater_account_id=me,
            answered=False,
        ).update(answered=True)
        if not claimed:
            if await PeerRatingTask.exists(cycle_id=cycle_id, reviewee_account_id=reviewee_id,
                                           rater_account_id=me):
                raise DomainError(
                    ErrorCode.DUPLICATE, "You have rated this colleague already.", "revieweeId"
                )
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "You are not asked to rate this colleague in this cycle.",
                "revieweeId",
            )
        await PeerRatingTally.filter(cycle_id=cycle_id, reviewee_account_id=reviewee_id).update(
            answers=F("answers") + 1, score_sum=F("score_sum") + value
        )
        return await PeerRatingTask.filter(
            cycle_id=cycle_id, rater_account_id=me, answered=False
        ).count()

    return await audited(actor, "submitPeerRating", "EvaluationCycle", work,
                         subject_id=cycle_id)
