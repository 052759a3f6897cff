"""Violation cases whose handling starts within `violation_handling_start_hours` (P5.2.5).

A case is opened about a staff member (by HR, the director, or a supervisor for their team)
with its deadline for the start of handling. HR or the director start handling it; a case not
started by its deadline is escalated to the director and HR by an idempotent job (a
conditional update from OPEN claims it, so they are told once however often the job runs). A
case is closed with its outcome: the penalty it led to (P5.2.2, linked) or no penalty, with
the reasons either way, shown to the staff member concerned (fairly and transparently).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.departments import department_of
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.incentives.common import Scope, not_about_oneself, staff_member, text, within_team
from domain.incentives.ledger import Category, EntryStatus
from domain.models import IncentiveEntry, ViolationCase
from domain.policy_params import params
from domain.unit_of_work import audited


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    IN_HANDLING = "IN_HANDLING"
    ESCALATED = "ESCALATED"
    CLOSED = "CLOSED"


class ViolationSeverity(StrEnum):
    MINOR = "MINOR"  # written self-criticism (P5.2.2)
    SERIOUS = "SERIOUS"  # the period's performance pay cancelled
    MAJOR = "MAJOR"  # the employment contract terminated


class CaseOutcome(StrEnum):
    PENALISED = "PENALISED"
    NO_PENALTY = "NO_PENALTY"


HANDLERS = ("hr", "director")


async def open_case(
    actor: Actor,
    staff_account_id: int,
    severity: str,
    description: str | None,
    *,
    may_handle: bool,
) -> ViolationCase:
    """Open a case (inside the caller's unit of work), due to start handling within
    `violation_handling_start_hours`; HR and the director are told."""
    staff = await staff_member(staff_account_id)
    not_about_oneself(actor, staff)
    if not may_handle:
        within_team(actor, staff)
    try:
        level = ViolationSeverity(severity)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Unknown severity.", "severity") from None
    what = text(description, "description", N_("Describe the violation."))
    hours = await params.violation_handling_start_hours
    case = await ViolationCase.create(
        staff_account_id=staff.id,
        department=department_of(staff.roles or []),
        severity=level,
        description=what,
        status=CaseStatus.OPEN,
        opened_by_account_id=actor.account_id,
        handling_due_at=clock.now() + dt.timedelta(hours=hours),
    )
    handlers = await notifications.staff_with_roles(*HANDLERS)
    await notifications.notify_many(
        [a for a in handlers if a not in (actor.account_id, staff.id)],
        "VIOLATION_CASE_OPENED",
        f"Violation case {case.id} about {staff.display_name}: start handling within {hours} h",
        what,
        subject_type="ViolationCase",
        subject_id=case.id,
    )
    return case


async def _case(case_id: int) -> ViolationCase:
    case = await ViolationCase.get_or_none(id=case_id)
    if case is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such violation case.", "caseId")
    return case


async def _told(case: ViolationCase, kind: str, what: str, why: str) -> ViolationCase:
    """Tell the staff member what became of their case (openly, P5.2.5); the case as it is."""
    await notifications.notify(
        case.staff_account_id,
        kind,
        f"Violation case {case.id} about you {what}",
        why,
        subject_type="ViolationCase",
        subject_id=case.id,
    )
    return await ViolationCase.get(id=case.id)


async def start_handling(actor: Actor, case_id: int, note: str | None) -> ViolationCase:
    """Start handling an open or escalated case (inside the caller's unit of work)."""
    case = await _case(case_id)
    not_about_oneself(actor, await staff_member(case.staff_account_id, "caseId"), "caseId")
    why = text(note, "note")
    if case.status not in (CaseStatus.OPEN, CaseStatus.ESCALATED):
        state = case.status.lower().replace("_", " ")
        raise DomainError(ErrorCode.INVALID_TRANSITION, f"The case is {state} already.", "caseId")
    moved = await ViolationCase.filter(
        id=case.id, status__in=[CaseStatus.OPEN, CaseStatus.ESCALATED]
    ).update(
        status=CaseStatus.IN_HANDLING,
        handling_started_at=clock.now(),
        handler_account_id=actor.account_id,
        handling_note=why,
    )
    if moved != 1:
        raise DomainError(ErrorCode.CONFLICT, "The case changed meanwhile; try again.", "caseId")
    return await _told(case, "VIOLATION_CASE_IN_HANDLING", "is being handled", why)


async def close_case(
    actor: Actor, case_id: int, outcome: str, penalty_id: int | None, note: str | None
) -> ViolationCase:
    """Close a case in handling with its outcome: the penalty of the same staff member it led
    to, or no penalty (inside the caller's unit of work)."""
    case = await _case(case_id)
    not_about_oneself(actor, await staff_member(case.staff_account_id, "caseId"), "caseId")
    try:
        result = CaseOutcome(outcome)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Unknown outcome.", "outcome") from None
    why = text(note, "note", N_("Say how the case was decided."))
    if case.status != CaseStatus.IN_HANDLING:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "A case is closed once its handling has started.",
            "caseId",
        )
    if result == CaseOutcome.PENALISED:
        if penalty_id is None:
            raise DomainError(ErrorCode.REQUIRED, "Name the penalty imposed.", "penaltyId")
        penalty = await IncentiveEntry.get_or_none(id=penalty_id)
        if (
            penalty is None
            or penalty.category != Category.PENALTY
            or penalty.staff_account_id != case.staff_account_id
            or penalty.status == EntryStatus.REJECTED
        ):
            raise DomainError(
                ErrorCode.INVALID,
                "The penalty is not one imposed on this staff member.",
                "penaltyId",
            )
    elif penalty_id is not None:
        raise DomainError(
            ErrorCode.INVALID, "A case closed without penalty names no penalty.", "penaltyId"
        )
    moved = await ViolationCase.filter(id=case.id, status=CaseStatus.IN_HANDLING).update(
        status=CaseStatus.CLOSED,
        closed_at=clock.now(),
        closed_by_account_id=actor.account_id,
        outcome=result,
        outcome_note=why,
        penalty_entry_id=penalty_id,
    )
    if moved != 1:
        raise DomainError(ErrorCode.CONFLICT, "The case changed meanwhile; try again.", "caseId")
    closed = f"is closed: {result.lower().replace('_', ' ')}"
    return await _told(case, "VIOLATION_CASE_CLOSED", closed, why)


async def escalate_overdue(limit: int = 200) -> int:
    """The job: escalate every open case whose handling has not started by its deadline to the
    director and HR, once. Each case is claimed by a conditional update from OPEN in its own
    unit of work, so a run killed midway or run twice escalates nothing twice."""
    due = (
        await ViolationCase.filter(status=CaseStatus.OPEN, handling_due_at__lte=clock.now())
        .order_by("id")
        .limit(limit)
    )
    escalated = 0
    for case in due:
        if not await ViolationCase.filter(id=case.id, status=CaseStatus.OPEN).exists():
            continue  # another run escalated it, or handling started meanwhile

        async def work(case: ViolationCase = case) -> int:
            moved = await ViolationCase.filter(id=case.id, status=CaseStatus.OPEN).update(
                status=CaseStatus.ESCALATED, escalated_at=clock.now()
            )
            if moved != 1:
                return 0
            handlers = await notifications.staff_with_roles(*HANDLERS)
            await notifications.notify_many(
                [a for a in handlers if a != case.staff_account_id],
                "VIOLATION_CASE_ESCALATED",
                f"Violation case {case.id}: handling did not start in time",
                case.description[:2000],
                subject_type="ViolationCase",
                subject_id=case.id,
            )
            return 1

        escalated += await audited(
            SYSTEM, "escalateViolationCase", "ViolationCase", work, subject_id=case.id
        )
    return escalated


# ---- reading --------------------------------------------------------------------------------


@dataclass
class CaseFilter:
    status: str | None = None
    staff_account_id: int | None = None


def _visible(scope: Scope):
    seen = scope.team_filter()
    return ViolationCase.all() if seen is None else ViolationCase.filter(seen)


async def list_cases(scope: Scope, f: CaseFilter, *, first: int, after_id: int | None):
    query = _visible(scope)
    if f.status:
        query = query.filter(status=f.status)
    if f.staff_account_id is not None:
        query = query.filter(staff_account_id=f.staff_account_id)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def visible_case(scope: Scope, case_id: int) -> ViolationCase | None:
    return await _visible(scope).filter(id=case_id).first()
