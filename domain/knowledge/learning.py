"""New staff's online learning in the knowledge base (P7.1.4, with P2.6's learning months).

A staff member whose account is younger than `onboarding_learning_months` gets an onboarding
plan: `onboarding_online_learning_hours` (as they stood at enrolment) due by the end of those
months. Learning sessions are logged against knowledge-base procedures and add to the plan.
A plan is behind schedule when less has been logged than the hours pro rata of the time gone;
a job enrols new staff and reminds those behind, at most every
`onboarding_learning_reminder_days` (each reminder claimed with its notice, so a rerun tells
nobody twice).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tortoise.expressions import F, Q, Subquery

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.members.ledger import add_months
from domain.models import Account, LearningSession, OnboardingPlan, Procedure
from domain.policy_params import params
from domain.unit_of_work import audited

MAX_SESSION_MINUTES = 600
MINUTES_A_DAY = 24 * 60
LOG_WINDOW_DAYS = 31
MAX_NOTE = 1_000


class LearningStatus(StrEnum):
    ON_TRACK = "ON_TRACK"
    BEHIND = "BEHIND"
    OVERDUE = "OVERDUE"
    COMPLETED = "COMPLETED"


@dataclass(frozen=True)
class Progress:
    expected_minutes: int
    status: LearningStatus


def progress_of(plan: OnboardingPlan, today: dt.date | None = None) -> Progress:
    today = today or clock.today()
    total = max((plan.due_on - plan.starts_on).days, 1)
    gone = min(max((today - plan.starts_on).days, 0), total)
    expected = plan.required_minutes * gone // total
    if plan.completed_at is not None or plan.logged_minutes >= plan.required_minutes:
        status = LearningStatus.COMPLETED
    elif today > plan.due_on:
        status = LearningStatus.OVERDUE
    elif plan.logged_minutes < expected:
        status = LearningStatus.BEHIND
    else:
        status = LearningStatus.ON_TRACK
    return Progress(expected, status)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


async def _window_start() -> dt.datetime:
    return add_months(clock.now(), -(await params.onboarding_learning_months))


async def _plans_for(accounts: list[Account]) -> None:
    """Enrol `accounts` (new staff without a plan); a concurrent enrolment is ignored."""
    if not accounts:
        return
    months = await params.onboarding_learning_months
    required = (await params.onboarding_online_learning_hours) * 60
    plans = []
    for account in accounts:
        starts = clock.local(account.created_at).date()
        plans.append(
            OnboardingPlan(
                account_id=account.id,
                starts_on=starts,
                due_on=add_months(starts, months),
                required_minutes=required,
            )
        )
    await OnboardingPlan.bulk_create(plans, ignore_conflicts=True)


async def enrol_new_staff() -> int:
    """Give every active staff member younger than the learning months a plan (set-based)."""
    enrolled = OnboardingPlan.all().values("account_id")
    new = (
        await Account.filter(kind="STAFF", is_active=True, created_at__gte=await _window_start())
        .exclude(id__in=Subquery(enrolled))
        .only("id", "created_at")
    )
    await _plans_for(list(new))
    return len(new)


async def log(
    actor: Actor, procedure_id: int, minutes: int, studied_on: dt.date | None, note: str | None
) -> tuple[LearningSession, OnboardingPlan | None]:
    """Log a learning session of the caller (inside the caller's unit of work); it adds to
    their plan, which a new staff member gets now if the job has not enrolled them yet."""
    account = (
        await Account.get_or_none(id=actor.account_id, kind="STAFF")
        if actor.account_id is not None
        else None
    )
    if account is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Staff log their learning.", "procedureId")
    if not await Procedure.exists(id=procedure_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such procedure.", "procedureId")
    if minutes is None or not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"A session lasts 1 to {MAX_SESSION_MINUTES} minutes.",
            "minutes",
        )
    today = clock.today()
    day = studied_on or today
    if day > today:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Learning is logged after it.", "studiedOn")
    if day < today - dt.timedelta(days=LOG_WINDOW_DAYS):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"Log learning within {LOG_WINDOW_DAYS} days.",
            "studiedOn",
        )
    clean_note = (note or "").strip()
    if len(clean_note) > MAX_NOTE:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NOTE} characters.", "note")
    that_day = sum(
        await LearningSession.filter(account_id=account.id, studied_on=day).values_list(
            "minutes", flat=True
        )
    )
    if that_day + minutes > MINUTES_A_DAY:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "More than 24 hours in one day.", "minutes")
    if account.created_at >= await _window_start():
        await _plans_for(
            [account] if not await OnboardingPlan.exists(account_id=account.id) else []
        )
    session = await LearningSession.create(
        account_id=account.id,
        procedure_id=procedure_id,
        studied_on=day,
        minutes=minutes,
        note=clean_note,
    )
    await OnboardingPlan.filter(account_id=account.id).update(
        logged_minutes=F("logged_minutes") + minutes
    )
    await OnboardingPlan.filter(
        account_id=account.id,
        completed_at=None,
        logged_minutes__gte=F("required_minutes"),
    ).update(completed_at=clock.now())
    return session, await OnboardingPlan.get_or_none(account_id=account.id)


# ---- reading --------------------------------------------------------------------------------


async def behind_ids() -> list[int]:
    """Ids of the open plans of active staff behind schedule or overdue (one query over the
    open plans): someone who left is neither listed nor reminded."""
    today = clock.today()
    active = Account.filter(kind="STAFF", is_active=True).values("id")
    open_plans = await OnboardingPlan.filter(
        completed_at=None, account_id__in=Subquery(active)
    ).only(
        "id", "starts_on", "due_on", "required_minutes", "logged_minutes", "completed_at"
    )
    return [
        p.id
        for p in open_plans
        if progress_of(p, today).status in (LearningStatus.BEHIND, LearningStatus.OVERDUE)
    ]


async def list_plans(
    *, account_id: int | None, behind_only: bool, first: int, after_id: int | None
):
    query = OnboardingPlan.all()
    if account_id is not None:
        query = query.filter(account_id=account_id)
    if behind_only:
        query = query.filter(id__in=await behind_ids() or [0])
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


MAX_SESSIONS_SHOWN = 50


async def sessions_of(account_ids: list[int]) -> dict[int, list[LearningSession]]:
    """Each account's learning sessions, newest first (one query, at most 50 each shown)."""
    found: dict[int, list[LearningSession]] = {i: [] for i in account_ids}
    for row in await LearningSession.filter(account_id__in=list(set(account_ids))).order_by(
        "-studied_on", "-id"
    ):
        if len(found[row.account_id]) < MAX_SESSIONS_SHOWN:
            found[row.account_id].append(row)
    return found


# ---- the job --------------------------------------------------------------------------------


async def remind_behind() -> int:
    """Remind each new staff member behind schedule, at most once per reminder interval: the
    claim and the notice commit together, so a killed or repeated run tells nobody twice."""
    every = dt.timedelta(days=await params.onboarding_learning_reminder_days)
    reminded = 0
    due = (
        await OnboardingPlan.filter(id__in=await behind_ids() or [0])
        .filter(Q(reminded_at=None) | Q(reminded_at__lte=clock.now() - every))
        .order_by("id")
    )
    for plan in due:
        progress = progress_of(plan)

        async def work(plan: OnboardingPlan = plan, progress: Progress = progress) -> int:
            now = clock.now()
            claimed = await OnboardingPlan.filter(
                Q(reminded_at=None) | Q(reminded_at__lte=now - every),
                id=plan.id,
                completed_at=None,
            ).update(reminded_at=now)
            if not claimed:
                return 0
            await notifications.notify(
                plan.account_id,
                "LEARNING_BEHIND",
                f"Online learning: {hours(plan.logged_minutes)} of "
                f"{hours(plan.required_minutes)} hours logged, due {plan.due_on.isoformat()}",
                f"By now {hours(progress.expected_minutes)} hours were expected.",
                subject_type="OnboardingPlan",
                subject_id=plan.id,
            )
            return 1

        reminded += await audited(
            SYSTEM, "remindLearning", "OnboardingPlan", work, subject_id=plan.id
        )
    return reminded
