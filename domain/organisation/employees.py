"""Employment records: hiring against the criteria and the headcount cap, reporting lines, and
who may read which record (P2.1, P2.3, P2.4, P2.6).

A hire names a staff account, its department, group and position, its supervisor, the day it
starts and the hiring criteria (years of hotel experience at least `hiring_min_experience_years`,
qualifications, interview notes); a hire below the criteria is refused with the reason. The
basic-position learning period ends `onboarding_learning_months` after the start (P2.6).

Reporting lines run staff -> supervisor -> director: a supervisor is an active employee in a
higher position of the same department (the head of a department may report to someone in
another department, as the booking department reports to the operations director, P1.1), and
the line never loops. The booking department keeps `supervisor_count` supervisors
(P2.1) and one director. The account must already hold the position's staff roles: roles change
only through the audited, dual-reviewed staff-account path (P4.1.5, P6.2.3).

A department holds at most its headcount cap (its own, settable by HR, else `headcount_cap` for
the booking department, P2.3). A hire over the cap is refused unless HR gives a reason for
exceeding it: the hire is then a high-risk operation (`employee.hire_over_cap`) that runs only
when a second HR member confirms it (dual review, the HR review P2.3 asks for). Dual review
rather than an approval request, because what is reviewed is one exact hire whose arguments
must run unchanged, which is what `domain.dual_review` stores and digests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.expressions import Q

from domain import dual_review, incentives
from domain.actor import Actor
from domain.clock import require_supported_day
from domain.errors import DomainError, ErrorCode
from domain.members.ledger import add_months
from domain.models import Account, Department, Employment, OrgGroup, PendingOperation, Position
from domain.organisation.structure import (
    BOOKING_CRM,
    GROUP_OF_POSITION,
    cap_of,
    department_named,
    position_named,
)
from domain.policy_params import params

MAX_TEXT = 4_000
MAX_YEARS = 60
MAX_CHAIN = 50


@dataclass(frozen=True)
class HireRequest:
    account_id: int
    department: str
    position: str
    hired_on: dt.date
    years_experience: int
    qualifications: str
    interview_notes: str
    group: str | None = None
    supervisor_id: int | None = None
    over_cap_reason: str | None = None


def _text(value: str | None, field: str, *, required: str | None = None) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise DomainError(ErrorCode.REQUIRED, required, field)
    if len(clean) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", field)
    return clean


async def headcount(department_id: int) -> int:
    return await Employment.filter(department_id=department_id, active=True).count()


async def headcounts(department_ids: list[int]) -> dict[int, int]:
    rows = await Employment.filter(department_id__in=department_ids or [0], active=True).values(
        "department_id"
    )
    found = dict.fromkeys(department_ids, 0)
    for row in rows:
        found[row["department_id"]] = found.get(row["department_id"], 0) + 1
    return found


async def _group(department: Department, position: Position, code: str | None) -> OrgGroup | None:
    clean = (code or "").strip().upper() or None
    if department.code != BOOKING_CRM or position.level >= 3:
        if clean:
            raise DomainError(
                ErrorCode.INVALID, "Only front-line staff and supervisors sit in a group.", "group"
            )
        return None
    clean = clean or GROUP_OF_POSITION.get(position.code)
    if clean is None:
        raise DomainError(
            ErrorCode.REQUIRED, "Name the group: SALES_OPERATIONS or CUSTOMER_SERVICE.", "group"
        )
    found = await OrgGroup.get_or_none(department_id=department.id, code=clean[:32])
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such group.", "group")
    return found


async def check_supervisor(
    department: Department,
    position: Position,
    group: OrgGroup | None,
    supervisor_id: int | None,
    *,
    self_id: int | None = None,
    field: str = "supervisorId",
) -> Employment | None:
    """The supervisor of someone in `position`, checked against the reporting rules."""
    top = await Position.filter(department_id=department.id).order_by("-level").first()
    is_top = top is None or position.level >= top.level
    if supervisor_id is None:
        if is_top:
            return None
        raise DomainError(
            ErrorCode.SUPERVISOR_REQUIRED,
            "Name the supervisor this person reports to (someone in a higher position).",
            field,
        )
    supervisor = await Employment.get_or_none(id=supervisor_id, active=True).prefetch_related(
        "position"
    )
    if supervisor is None:
        raise DomainError(ErrorCode.NOT_FOUND, "The supervisor is not an active employee.", field)
    if supervisor.id == self_id:
        raise DomainError(ErrorCode.INVALID, "Nobody supervises themselves.", field)
    same_department = supervisor.department_id == department.id
    if not same_department and not is_top:
        raise DomainError(
            ErrorCode.INVALID, "The supervisor belongs to the same department.", field
        )
    if same_department and supervisor.position.level <= position.level:
        raise DomainError(
            ErrorCode.INVALID, "A supervisor holds a higher position than their report.", field
        )
    if (
        same_department
        and group is not None
        and supervisor.group_id is not None
        and supervisor.group_id != group.id
    ):
        raise DomainError(
            ErrorCode.INVALID, "Staff report to the supervisor of their own group.", field
        )
    if self_id is not None:
        await _no_loop(self_id, supervisor, field)
    return supervisor


async def _no_loop(self_id: int, supervisor: Employment, field: str) -> None:
    current: int | None = supervisor.id
    for _ in range(MAX_CHAIN):
        if current is None:
            return
        if current == self_id:
            raise DomainError(ErrorCode.CONFLICT, "The reporting line would loop.", field)
        current = (
            await Employment.filter(id=current).values_list("supervisor_id", flat=True)
        )[0]
    raise DomainError(ErrorCode.CONFLICT, "The reporting line is too long.", field)


async def check_room(
    department: Department, position: Position, code: ErrorCode, field: str
) -> None:
    """The booking department keeps `supervisor_count` supervisors (P2.1) and one director."""
    if department.code != BOOKING_CRM or position.level < 2:
        return
    holders = await Employment.filter(
        department_id=department.id, position_id=position.id, active=True
    ).count()
    most = await params.supervisor_count if position.level == 2 else 1
    if holders >= most:
        raise DomainError(
            code,
            f"The department already has {holders} people as {position.name} (at most {most}).",
            field,
        )


async def _checked(request: HireRequest) -> dict:
    account = await Account.get_or_none(id=request.account_id, kind="STAFF", is_active=True)
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such active staff account.", "accountId")
    if await Employment.filter(account_id=account.id).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, "This person already has an employment record.", "accountId"
        )
    department = await department_named(request.department)
    position = await position_named(request.position)
    if position.department_id != department.id:
        raise DomainError(
            ErrorCode.INVALID, "The position belongs to another department.", "position"
        )
    missing = sorted(set(position.roles or []) - set(account.roles or []))
    if missing:
        raise DomainError(
            ErrorCode.INVALID,
            f"The account does not hold the position's roles ({', '.join(missing)}): give "
            "them through the staff account first.",
            "position",
        )
    await check_room(department, position, ErrorCode.HEADCOUNT_CAP_REACHED, "position")
    group = await _group(department, position, request.group)
    supervisor = await check_supervisor(department, position, group, request.supervisor_id)
    hired_on = require_supported_day(request.hired_on, "hiredOn")
    if not 0 <= request.years_experience <= MAX_YEARS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"From 0 to {MAX_YEARS} years.", "yearsOfExperience"
        )
    required = await params.hiring_min_experience_years
    if request.years_experience < required:
        raise DomainError(
            ErrorCode.HIRING_CRITERIA_NOT_MET,
            f"The hiring criteria ask for {required} years of hotel experience; the candidate "
            f"has {request.years_experience}.",
            "yearsOfExperience",
        )
    qualifications = _text(request.qualifications, "qualifications")
    notes = _text(
        request.interview_notes,
        "interviewNotes",
        required="Record the interview notes with the hire.",
    )
    months = await params.onboarding_learning_months
    return {
        "account_id": account.id,
        "department_id": department.id,
        "group_id": group and group.id,
        "position_id": position.id,
        "supervisor_id": supervisor and supervisor.id,
        "hired_on": hired_on.isoformat(),
        "learning_ends_on": add_months(hired_on, months).isoformat(),
        "years_experience": request.years_experience,
        "qualifications": qualifications,
        "interview_notes": notes,
    }


async def hire(actor: Actor, request: HireRequest) -> Employment | PendingOperation:
    """Record a hire (call in an audited unit of work). Over the cap it needs a reason and a
    second HR member's confirmation: the pending operation is returned."""
    if await incentives.is_blacklisted(account_id=request.account_id):
        # P5.2.4: falsifying data bars a person for good; HR sees why the hire stops.
        raise DomainError(
            ErrorCode.HIRING_CRITERIA_NOT_MET,
            "This person is on the permanent blacklist for data falsification and cannot be "
            "hired.",
            "accountId",
        )
    values = await _checked(request)
    # Hold the department row until commit, so two hires cannot both take the last place
    # (PostgreSQL; SQLite serialises its transactions).
    department = await Department.filter(id=values["department_id"]).select_for_update().get()
    cap = await cap_of(department)
    count = await headcount(department.id)
    if cap is None or count < cap:
        return await _create(values, actor.account_id, None)
    reason = _text(request.over_cap_reason, "overCapReason")
    if not reason:
        raise DomainError(
            ErrorCode.HEADCOUNT_CAP_REACHED,
            f"{department.code} holds {count} of its {cap} people: a hire over the cap needs "
            "a reason and HR review.",
            "department",
        )
    account = await Account.get(id=values["account_id"])
    return await dual_review.request(
        actor,
        "employee.hire_over_cap",
        {**values, "reason": reason, "hired_by_account_id": actor.account_id},
        summary=(
            f"Hire {account.email} into {department.code} over its headcount cap "
            f"({count} of {cap}): {reason}"
        ),
        permissions=[("headcount", "review")],
        subject_type="Employment",
    )


async def _create(values: dict, hired_by: int | None, operation_id: int | None) -> Employment:
    return await Employment.create(
        account_id=values["account_id"],
        department_id=values["department_id"],
        group_id=values["group_id"],
        position_id=values["position_id"],
        supervisor_id=values["supervisor_id"],
        hired_on=dt.date.fromisoformat(values["hired_on"]),
        learning_ends_on=dt.date.fromisoformat(values["learning_ends_on"]),
        years_experience=values["years_experience"],
        qualifications=values["qualifications"],
        interview_notes=values["interview_notes"],
        hired_by_account_id=hired_by,
        over_cap_operation_id=operation_id,
    )


@dual_review.operation("employee.hire_over_cap")
async def _run_hire_over_cap(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    if await Employment.filter(account_id=args["account_id"]).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, "This person already has an employment record.", "accountId"
        )
    if args["supervisor_id"] is not None and not await Employment.filter(
        id=args["supervisor_id"], active=True
    ).exists():
        raise DomainError(
            ErrorCode.NOT_FOUND, "The supervisor is not an active employee.", "supervisorId"
        )
    row = await _create(args, args["hired_by_account_id"], operation.id)
    return {"employmentId": row.id}


async def set_headcount_cap(actor: Actor, department_code: str, cap: int | None, reason: str):
    """HR adjusts a department's cap to business volume (P2.3); None returns it to the
    default. The cap cannot fall below the people the department already holds."""
    _text(reason, "reason", required="Say why the cap changes.")
    department = await department_named(department_code)
    if cap is not None:
        if not 1 <= cap <= 10_000:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "From 1 to 10000 people.", "cap")
        count = await headcount(department.id)
        if cap < count:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"{department.code} already holds {count} people.",
                "cap",
            )
    department.headcount_cap = cap
    await department.save(update_fields=["headcount_cap"])
    return department


async def end_employment(actor: Actor, employment_id: int, reason: str) -> Employment:
    """Mark an employment inactive; nobody may still report to it."""
    _text(reason, "reason", required="Say why the employment ends.")
    row = await Employment.get_or_none(id=employment_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such employee.", "employeeId")
    if not row.active:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The employment ended already.", "employeeId")
    if await Employment.filter(supervisor_id=row.id, active=True).exists():
        raise DomainError(
            ErrorCode.CONFLICT,
            "People still report to this person: give them another supervisor first.",
            "employeeId",
        )
    row.active = False
    await row.save(update_fields=["active"])
    return row


# ---- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeFilter:
    department: str | None = None
    group: str | None = None
    position: str | None = None
    active_only: bool = True
    # OWN access: the caller's own record and the records of those who report to them.
    visible_to_account: int | None = None


def _visible(query, account_id: int):
    return query.filter(Q(account_id=account_id) | Q(supervisor__account_id=account_id))


async def list_employees(f: EmployeeFilter, *, first: int, after_id: int | None):
    query = Employment.all()
    if f.active_only:
        query = query.filter(active=True)
    if f.department:
        query = query.filter(department__code=f.department.strip().upper()[:24])
    if f.group:
        query = query.filter(group__code=f.group.strip().upper()[:32])
    if f.position:
        query = query.filter(position__code=f.position.strip().upper()[:40])
    if f.visible_to_account is not None:
        query = _visible(query, f.visible_to_account)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def visible_to(row: Employment, account_id: int | None) -> bool:
    """Whether a caller with OWN access sees the record: their own or a direct report's."""
    if account_id is None:
        return False
    if row.account_id == account_id:
        return True
    if row.supervisor_id is None:
        return False
    return await Employment.filter(id=row.supervisor_id, account_id=account_id).exists()


async def reports_of(employment_ids: list[int]) -> dict[int, list[Employment]]:
    found: dict[int, list[Employment]] = {i: [] for i in employment_ids}
    rows = await Employment.filter(
        supervisor_id__in=list(set(employment_ids)) or [0], active=True
    ).order_by("id")
    for row in rows:
        found[row.supervisor_id].append(row)
    return found


async def employments_by_id(ids: list[int]) -> dict[int, Employment]:
    return {e.id: e for e in await Employment.filter(id__in=list(set(ids)) or [0])}


async def employment_of(account_id: int | None) -> Employment | None:
    if account_id is None:
        return None
    return await Employment.get_or_none(account_id=account_id, active=True)


async def chart(department_code: str) -> tuple[Department, list[tuple[int, Employment]]]:
    """The department's active people as a tree, depth first: (depth, employment), each
    followed by their reports (P2.1). People whose supervisor is elsewhere start a branch."""
    department = await department_named(department_code)
    rows = await Employment.filter(department_id=department.id, active=True).order_by("id")
    ids = {r.id for r in rows}
    children: dict[int | None, list[Employment]] = {}
    for row in rows:
        parent = row.supervisor_id if row.supervisor_id in ids else None
        children.setdefault(parent, []).append(row)
    lines: list[tuple[int, Employment]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            lines.append((depth, row))
            if depth < MAX_CHAIN:
                walk(row.id, depth + 1)

    walk(None, 0)
    return department, lines
