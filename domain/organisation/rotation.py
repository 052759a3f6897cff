"""Internal rotation every two years (P2.6): a plan row per person with its due date, top
performers marked for priority in cross-department training, and a reminder to HR and the
person's supervisor when it comes due.

HR plans a rotation (due `rotation_interval_months` after the later of the hire and the last
completed rotation unless a day is given); the sweep (`sweep`, an idempotent job) plans the
missing rows for active employees whose learning period is over, and reminds HR and the
supervisor `rotation_reminder_days` before the due day, each row once (a conditional update
claims it, so a rerun or a second worker reminds nobody twice). A top performer is someone
whose latest performance review is rated at least `promotion_min_rating`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain import notifications
from domain.actor import Actor
from domain.clock import clock, require_supported_day
from domain.errors import DomainError, ErrorCode
from domain.members.ledger import add_months
from domain.models import EmployeeAssessment, Employment, RotationPlan
from domain.organisation.employees import _text
from domain.organisation.structure import department_named
from domain.policy_params import params

PLANNED, DONE, CANCELLED = "PLANNED", "DONE", "CANCELLED"
BATCH = 200


async def _top_performers(employment_ids: list[int]) -> set[int]:
    least = await params.promotion_min_rating
    latest: dict[int, EmployeeAssessment] = {}
    rows = await EmployeeAssessment.filter(
        employment_id__in=employment_ids or [0], kind="PERFORMANCE"
    ).order_by("id")
    for row in rows:
        latest[row.employment_id] = row
    return {i for i, row in latest.items() if row.rating is not None and row.rating >= least}


async def _default_due(employee: Employment) -> dt.date:
    last = (
        await RotationPlan.filter(employment_id=employee.id, status=DONE)
        .order_by("-due_on")
        .first()
    )
    start = max(employee.hired_on, last.due_on) if last else employee.hired_on
    return add_months(start, await params.rotation_interval_months)


async def plan(
    actor: Actor,
    employment_id: int,
    *,
    due_on: dt.date | None = None,
    to_department: str | None = None,
    to_group: str | None = None,
    cross_department: bool = False,
    note: str = "",
) -> RotationPlan:
    """Plan (or re-plan) the next rotation of one person: their open plan is replaced."""
    employee = await Employment.get_or_none(id=employment_id, active=True)
    if employee is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such active employee.", "employeeId")
    target = ""
    if to_department:
        target = (await department_named(to_department, "toDepartment")).code
    group = (to_group or "").strip().upper()[:32]
    if due_on is not None:
        require_supported_day(due_on, "dueOn")
        if due_on < employee.learning_ends_on:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"The basic-position learning period runs until {employee.learning_ends_on}.",
                "dueOn",
            )
    due = due_on or await _default_due(employee)
    if cross_department and target == "":
        raise DomainError(
            ErrorCode.REQUIRED, "Name the department of the cross-department training.",
            "toDepartment",
        )
    await RotationPlan.filter(employment_id=employee.id, status=PLANNED).update(
        status=CANCELLED
    )
    return await RotationPlan.create(
        employment_id=employee.id,
        due_on=due,
        to_department_code=target,
        to_group_code=group,
        cross_department=cross_department,
        priority=employee.id in await _top_performers([employee.id]),
        note=_text(note, "note"),
        planned_by_account_id=actor.account_id,
    )


async def complete(actor: Actor, plan_id: int) -> RotationPlan:
    row = await RotationPlan.get_or_none(id=plan_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such rotation plan.", "planId")
    moved = await RotationPlan.filter(id=row.id, status=PLANNED).update(status=DONE)
    if moved != 1:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The plan is closed already.", "planId")
    return await RotationPlan.get(id=row.id)


async def sweep(limit: int = BATCH) -> dict[str, int]:
    """Plan the missing rotations and remind the due ones (call inside a unit of work)."""
    today = clock.today()
    planned = 0
    open_plans = await RotationPlan.filter(status=PLANNED).values_list("employment_id", flat=True)
    without = (
        await Employment.filter(active=True, learning_ends_on__lte=today)
        .exclude(id__in=sorted(set(open_plans)) or [0])
        .order_by("id")
        .limit(limit)
    )
    top = await _top_performers([e.id for e in without])
    for employee in without:
        await RotationPlan.create(
            employment_id=employee.id,
            due_on=await _default_due(employee),
            priority=employee.id in top,
        )
        planned += 1
    horizon = today + dt.timedelta(days=await params.rotation_reminder_days)
    due = (
        await RotationPlan.filter(status=PLANNED, reminded_at=None, due_on__lte=horizon)
        .order_by("id")
        .limit(limit)
    )
    employees = {
        e.id: e
        for e in await Employment.filter(id__in=[p.employment_id for p in due] or [0])
    }
    supervisors = {
        e.id: e.account_id
        for e in await Employment.filter(
            id__in=[e.supervisor_id for e in employees.values() if e.supervisor_id] or [0]
        )
    }
    hr = await notifications.staff_with_roles("hr")
    reminded = 0
    for row in due:
        moved = await RotationPlan.filter(id=row.id, status=PLANNED, reminded_at=None).update(
            reminded_at=clock.now()
        )
        if moved != 1:
            continue
        employee = employees[row.employment_id]
        told = set(hr)
        if employee.supervisor_id in supervisors:
            told.add(supervisors[employee.supervisor_id])
        told.discard(employee.account_id)
        priority = " (priority for cross-department training)" if row.priority else ""
        await notifications.notify_many(
            sorted(told),
            "ROTATION_DUE",
            f"An internal rotation is due on {row.due_on}{priority}.",
            subject_type="RotationPlan",
            subject_id=row.id,
        )
        reminded += 1
    return {"planned": planned, "reminded": reminded}


@dataclass(frozen=True)
class RotationFilter:
    status: str | None = PLANNED
    due_before: dt.date | None = None
    visible_to_account: int | None = None


async def list_plans(f: RotationFilter, *, first: int, after_id: int | None):
    from tortoise.expressions import Q

    query = RotationPlan.all()
    if f.status:
        query = query.filter(status=f.status)
    if f.due_before:
        query = query.filter(due_on__lte=f.due_before)
    if f.visible_to_account is not None:
        me = f.visible_to_account
        query = query.filter(
            Q(employment__account_id=me) | Q(employment__supervisor__account_id=me)
        )
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count
