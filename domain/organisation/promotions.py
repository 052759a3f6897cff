"""The promotion path specialist -> supervisor -> director (P2.5), gated by a recorded capability
assessment (passed, for the position aimed at) and a performance review (rated at least
`promotion_min_rating`), one level at a time.

A promotion changes the person's position and their staff roles in the permission matrix
together, so it is a high-risk operation (`employee.promote`, dual review P6.2.3): proposing it
stores the exact change (position, group, supervisor, roles before and after) and only when a
second person who may promote confirms it do position and roles change, in one transaction.
The role change is filed with HR as a role assignment (P4.1.5) like every change of a staff
account's roles, and open sockets of the account re-check their rights. The assessment and the
review are used up by the promotion they gated. A new employee is promoted only after the
basic-position learning period (P2.6); the department holds at most `supervisor_count`
supervisors (P2.1) and one director.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain import dual_review
from domain.actor import Actor
from domain.broker import announce_access_change
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Account,
    AuthorizationChange,
    EmployeeAssessment,
    Employment,
    PendingOperation,
    Position,
    Promotion,
)
from domain.organisation.employees import _text, check_room, check_supervisor
from domain.organisation.structure import position_named
from domain.policy_params import params
from domain.unit_of_work import when_committed

CAPABILITY = "CAPABILITY"
PERFORMANCE = "PERFORMANCE"


async def _employee(employment_id: int, field: str = "employeeId") -> Employment:
    row = await Employment.get_or_none(id=employment_id, active=True).prefetch_related(
        "position", "department"
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such active employee.", field)
    return row


async def record_capability(
    actor: Actor, employment_id: int, target_position: str, passed: bool, notes: str
) -> EmployeeAssessment:
    """Record a capability assessment for the next position up the ladder."""
    employee = await _employee(employment_id)
    target = await position_named(target_position, "targetPosition")
    _next_step(employee, target, "targetPosition")
    return await EmployeeAssessment.create(
        employment_id=employee.id,
        kind=CAPABILITY,
        target_position_id=target.id,
        passed=passed,
        notes=_text(notes, "notes", required="Record what the assessment found."),
        recorded_by_account_id=actor.account_id,
    )


async def record_performance(
    actor: Actor, employment_id: int, rating: Decimal | str, period: str, notes: str
) -> EmployeeAssessment:
    """Record a performance review rated from 1 to 5 (one decimal)."""
    employee = await _employee(employment_id)
    try:
        value = Decimal(str(rating))
    except (InvalidOperation, ValueError):
        raise DomainError(
            ErrorCode.INVALID, "A rating is a number from 1 to 5.", "rating"
        ) from None
    if not value.is_finite() or not Decimal("1") <= value <= Decimal("5"):
        raise DomainError(ErrorCode.OUT_OF_RANGE, "A rating is from 1 to 5.", "rating")
    clean_period = (period or "").strip()
    if not clean_period:
        raise DomainError(ErrorCode.REQUIRED, "Name the period reviewed.", "period")
    if len(clean_period) > 40:
        raise DomainError(ErrorCode.TOO_LONG, "At most 40 characters.", "period")
    return await EmployeeAssessment.create(
        employment_id=employee.id,
        kind=PERFORMANCE,
        rating=value.quantize(Decimal("0.1")),
        period=clean_period,
        notes=_text(notes, "notes"),
        recorded_by_account_id=actor.account_id,
    )


def _next_step(employee: Employment, target: Position, field: str) -> None:
    current = employee.position
    if target.department_id != employee.department_id:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED,
            "A promotion stays in the department; a move elsewhere is a rotation.",
            field,
        )
    if target.level <= current.level:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED, "A promotion leads to a higher position.", field
        )
    if target.level != current.level + 1:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED,
            "The promotion path goes one level at a time (specialist, supervisor, director): "
            "no level is skipped.",
            field,
        )


@dataclass(frozen=True)
class Proposed:
    promotion: Promotion
    operation: PendingOperation


async def propose(
    actor: Actor,
    employment_id: int,
    to_position: str,
    reason: str,
    supervisor_id: int | None = None,
) -> Proposed:
    """Propose a promotion (call in an audited unit of work): checked now, applied when a
    second person confirms the pending operation."""
    reason = _text(reason, "reason", required="Say why the person is promoted.")
    employee = await _employee(employment_id)
    target = await position_named(to_position, "toPosition")
    _next_step(employee, target, "toPosition")
    if clock.today() < employee.learning_ends_on:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED,
            f"The basic-position learning period runs until {employee.learning_ends_on}.",
            "employeeId",
        )
    if await Promotion.filter(employment_id=employee.id, status="PENDING").exists():
        raise DomainError(
            ErrorCode.DUPLICATE, "A promotion of this person waits for review.", "employeeId"
        )
    capability = (
        await EmployeeAssessment.filter(
            employment_id=employee.id, kind=CAPABILITY, used_by_promotion_id=None
        )
        .order_by("-id")
        .first()
    )
    if capability is None or capability.target_position_id != target.id or not capability.passed:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED,
            f"A promotion to {target.name} needs a passed capability assessment for it.",
            "toPosition",
        )
    review = (
        await EmployeeAssessment.filter(
            employment_id=employee.id, kind=PERFORMANCE, used_by_promotion_id=None
        )
        .order_by("-id")
        .first()
    )
    least = await params.promotion_min_rating
    if review is None or review.rating < least:
        raise DomainError(
            ErrorCode.PROMOTION_NOT_ALLOWED,
            f"A promotion needs a performance review rated at least {least}.",
            "employeeId",
        )
    await check_room(
        employee.department, target, ErrorCode.PROMOTION_NOT_ALLOWED, "toPosition"
    )
    group_id = employee.group_id if target.level < 3 else None
    if supervisor_id is None and employee.supervisor_id is not None:
        current = await Employment.get(id=employee.supervisor_id).prefetch_related("position")
        keep = current.department_id != employee.department_id or current.position.level > (
            target.level
        )
        supervisor_id = current.id if keep else current.supervisor_id
    group = None if group_id is None else await employee.group
    supervisor = await check_supervisor(
        employee.department,
        target,
        group,
        supervisor_id,
        self_id=employee.id,
        field="supervisorId",
    )
    account = await Account.get(id=employee.account_id)
    before = sorted(account.roles or [])
    after = sorted((set(before) - set(employee.position.roles or [])) | set(target.roles or []))
    promotion = await Promotion.create(
        employment_id=employee.id,
        from_position_id=employee.position_id,
        to_position_id=target.id,
        capability_id=capability.id,
        performance_id=review.id,
        proposed_by_account_id=actor.account_id,
        reason=reason,
    )
    operation = await dual_review.request(
        actor,
        "employee.promote",
        {
            "promotion_id": promotion.id,
            "employment_id": employee.id,
            "account_id": account.id,
            "from_position": employee.position.code,
            "to_position": target.code,
            "group_id": group_id,
            "supervisor_id": supervisor and supervisor.id,
            "roles_before": before,
            "roles_after": after,
            "capability_id": capability.id,
            "performance_id": review.id,
            "reason": reason,
            "proposed_by_account_id": actor.account_id,
        },
        summary=(
            f"Promote {account.email} from {employee.position.name} to {target.name}; roles "
            f"{', '.join(before)} -> {', '.join(after)}: {reason}"
        ),
        permissions=[("employee", "promote")],
        subject_type="Promotion",
        subject_id=promotion.id,
    )
    promotion.operation_id = operation.id
    await promotion.save(update_fields=["operation_id"])
    return Proposed(promotion, operation)


@dual_review.operation("employee.promote")
async def _run_promote(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    promotion = await Promotion.get_or_none(id=args["promotion_id"], status="PENDING")
    employee = await Employment.get_or_none(id=args["employment_id"], active=True)
    account = await Account.get_or_none(id=args["account_id"], kind="STAFF")
    target = await Position.get_or_none(code=args["to_position"])
    if promotion is None or employee is None or account is None or target is None:
        raise DomainError(ErrorCode.NOT_FOUND, "The promotion no longer applies.", "operationId")
    if employee.position_id != promotion.from_position_id:
        raise DomainError(
            ErrorCode.CONFLICT, "The person's position changed meanwhile.", "operationId"
        )
    if sorted(account.roles or []) != args["roles_before"]:
        raise DomainError(
            ErrorCode.CONFLICT, "The person's roles changed meanwhile.", "operationId"
        )
    employee.position_id = target.id
    employee.group_id = args["group_id"]
    employee.supervisor_id = args["supervisor_id"]
    await employee.save(update_fields=["position_id", "group_id", "supervisor_id"])
    await _change_roles(args, account)
    await EmployeeAssessment.filter(
        id__in=[args["capability_id"], args["performance_id"]]
    ).update(used_by_promotion_id=promotion.id)
    promotion.status = "DONE"
    promotion.decided_at = clock.now()
    await promotion.save(update_fields=["status", "decided_at"])
    return {"employmentId": employee.id, "position": target.code, "roles": account.roles}


async def _change_roles(args: dict, account: Account) -> None:
    """The roles change as every staff role change does: filed with HR (P4.1.5) and announced
    to the account's open sockets once committed."""
    before, after = set(args["roles_before"]), set(args["roles_after"])
    reason = f"Promotion to {args['to_position']}: {args['reason']}"
    for role, granted in [(r, True) for r in sorted(after - before)] + [
        (r, False) for r in sorted(before - after)
    ]:
        await AuthorizationChange.create(
            changed_by_id=args["proposed_by_account_id"],
            kind="ROLE_ASSIGNMENT",
            account=account,
            role=role,
            resource="role",
            action="assign",
            granted=granted,
            reason=reason[:2000],
        )
    account.roles = sorted(after)
    await account.save(update_fields=["roles"])
    await when_committed(lambda: announce_access_change(f"account:{account.id}"))


@dual_review.on_closed("employee.promote")
async def _closed(operation: PendingOperation) -> None:
    status = "REJECTED" if operation.status == "REJECTED" else "EXPIRED"
    await Promotion.filter(id=operation.arguments.get("promotion_id"), status="PENDING").update(
        status=status, decided_at=clock.now()
    )


async def promotions_of(employment_ids: list[int]) -> dict[int, list[Promotion]]:
    found: dict[int, list[Promotion]] = {i: [] for i in employment_ids}
    rows = await Promotion.filter(employment_id__in=list(set(employment_ids)) or [0]).order_by(
        "id"
    )
    for row in rows:
        found[row.employment_id].append(row)
    return found
