"""Dual review of high-risk operations (P6.2.3): maker-checker, enforced in the domain.

The entry point of a declared high-risk operation (`registry.HIGH_RISK`) checks its input as
it always did, then calls `request(...)` instead of acting: the operation is stored as a
`PendingOperation` with its exact arguments (JSON) and their SHA-256 digest, and the entry
point returns it. Because the entry points are the domain services themselves (not the
resolvers), every way in -- API, command line, worker jobs -- stores the same pending row.

A second person confirms it (`confirm`): a staff member who is not the maker, who holds every
permission the row names (the right to perform the operation, asked of the permission matrix
through the `may` callback the entry point supplies) and who names the digest of the
arguments they reviewed. The stored arguments are digested again: if they no longer match the
digest stored with them the row was altered (TAMPERED); if they do not match the reviewer's
digest the reviewer saw something else (CONFLICT). Only then the registered runner runs,
reading nothing but the stored arguments, so what runs is what was confirmed. Status moves by
conditional updates (PENDING -> EXECUTED, or PENDING -> CONFIRMED -> EXECUTED|FAILED for
operations on the archive that run outside one transaction), so two checkers cannot both run
it. A row not confirmed within `dual_review_expiry_hours` expires (`expire_overdue`, a job).

A confirmed operation that cannot run ends FAILED, never back in the queue nor stuck at
CONFIRMED: the runner's refusal (or an unexpected error) is rolled back, the row is marked
FAILED with the error code in `failure_reason` in a transaction of its own, what waited on it is
closed (`on_closed`), and maker and checker are told. The checker's call raises
`OperationFailed`, which carries the FAILED row. A row left CONFIRMED by a process that died
while running it is marked FAILED (INTERRUPTED) by the same job once a review window passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q

from authz.identity import Kind
from domain import notifications
from domain.actor import Actor
from domain.clock import clock
from domain.dual_review.registry import (
    HIGH_RISK,
    on_closed,
    operation,
    operation_named,
    registered,
)
from domain.errors import DomainError, ErrorCode
from domain.models import PendingOperation, RoleGrant
from domain.unit_of_work import audited, refusals_audited

__all__ = [
    "HIGH_RISK",
    "OperationFailed",
    "OperationStatus",
    "PendingFilter",
    "confirm",
    "digest",
    "expire_overdue",
    "list_operations",
    "on_closed",
    "operation",
    "registered",
    "reject",
    "request",
    "shown_arguments",
]

May = Callable[[str, str], Awaitable[bool]]


class OperationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"  # confirmed, running outside a transaction
    EXECUTED = "EXECUTED"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class OperationFailed(DomainError):
    """The confirmed operation could not run: `operation` is its row, now FAILED."""

    def __init__(self, failure: DomainError, operation: PendingOperation) -> None:
        super().__init__(failure.code, failure.message, failure.field)
        self.operation = operation


def _why(failure: BaseException) -> str:
    if isinstance(failure, DomainError):
        return f"{failure.code}: {failure.message}"
    return f"{ErrorCode.OPERATION_FAILED}: {type(failure).__name__}"


def _as_refusal(failure: BaseException) -> DomainError:
    if isinstance(failure, DomainError):
        return failure
    return DomainError(
        ErrorCode.OPERATION_FAILED,
        "The operation could not run: it is marked failed.",
        "operationId",
    )


def canonical(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(operation_name: str, arguments: dict[str, Any]) -> str:
    """The SHA-256 of the operation's name and its canonical JSON arguments (hex)."""
    text = f"{operation_name}\n{canonical(arguments)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shown_arguments(row: PendingOperation) -> dict[str, Any]:
    """The arguments as the checker sees them: hidden keys (a password hash) masked."""
    try:
        hidden = operation_named(row.operation).hidden
    except ValueError:
        hidden = frozenset()
    return {k: ("(hidden)" if k in hidden else v) for k, v in (row.arguments or {}).items()}


# ---- making -------------------------------------------------------------------------------


async def request(
    actor: Actor,
    operation_name: str,
    arguments: dict[str, Any],
    *,
    summary: str,
    permissions: Sequence[tuple[str, str]],
    subject_type: str | None = None,
    subject_id: str | int | None = None,
) -> PendingOperation:
    """Store a high-risk operation for review (inside the caller's unit of work). The
    arguments must be JSON values as they will be run (strings for amounts and times)."""
    from domain.policy_params import params  # the catalogue's store requests operations too

    operation_named(operation_name)  # fail now rather than when it is confirmed
    if not permissions:
        raise ValueError("a pending operation names the permissions its checker needs")
    # Stored as the JSON text round-trips, so the digest checked later is of the same value.
    stored = json.loads(canonical(arguments))
    hours = await params.dual_review_expiry_hours
    row = await PendingOperation.create(
        operation=operation_name,
        arguments=stored,
        arguments_sha256=digest(operation_name, stored),
        summary=summary.strip()[:2000],
        permissions=[[resource, action] for resource, action in permissions],
        status=OperationStatus.PENDING,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        maker_account_id=actor.account_id if actor.identity.kind == Kind.STAFF else None,
        maker_ref=actor.identity.actor_ref or actor.identity.kind.lower(),
        maker_name=(actor.identity.display_name or "")[:120],
        expires_at=clock.now() + dt.timedelta(hours=hours),
    )
    await _tell_checkers(row, permissions)
    return row


async def _tell_checkers(row: PendingOperation, permissions: Sequence[tuple[str, str]]) -> None:
    """Everyone on the staff whose roles hold every permission the checker needs, except the
    maker, is told that the operation waits (in the request's transaction)."""
    roles: set[str] | None = None
    for resource, action in permissions:
        holding = await RoleGrant.filter(
            resource=resource, action=action, granted=True
        ).values_list("role", flat=True)
        roles = set(holding) if roles is None else roles & set(holding)
    checkers = [
        account_id
        for account_id in await notifications.staff_with_roles(*(roles or ()))
        if account_id != row.maker_account_id
    ]
    await notifications.notify_many(
        checkers,
        "OPERATION_WAITING",
        f"Waiting for a second person: {row.summary}"[:200],
        subject_type="PendingOperation",
        subject_id=row.id,
    )


# ---- checking -----------------------------------------------------------------------------


async def _reviewable(actor: Actor, operation_id: int, may: May) -> PendingOperation:
    if actor.identity.kind != Kind.STAFF or actor.account_id is None:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only a member of staff reviews an operation.", "operationId"
        )
    row = await PendingOperation.get_or_none(id=operation_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such pending operation.", "operationId")
    if row.status != OperationStatus.PENDING:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED,
            f"The operation is {row.status.lower()} already.",
            "operationId",
        )
    if row.expires_at <= clock.now():
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The operation has expired.", "operationId")
    for resource, action in row.permissions:
        if not await may(resource, action):
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "Only someone who may perform this operation reviews it.",
                "operationId",
            )
    return row


async def confirm(
    actor: Actor, operation_id: int, reviewed_digest: str, *, may: May
) -> PendingOperation:
    """Confirm and run a pending operation. Audits itself (`confirmOperation`): operations on
    the archive run after the confirmation commits."""
    async with refusals_audited(
        actor, "confirmOperation", "PendingOperation", subject_id=operation_id
    ):
        row = await _reviewable(actor, operation_id, may)
        if row.maker_account_id == actor.account_id:
            raise DomainError(
                ErrorCode.FORBIDDEN,
                "A second person confirms: nobody confirms an operation they started.",
                "operationId",
            )
        if digest(row.operation, row.arguments) != row.arguments_sha256:
            raise DomainError(
                ErrorCode.TAMPERED,
                "The stored operation was altered after it was requested: it will not run.",
                "operationId",
            )
        if (reviewed_digest or "").strip().lower() != row.arguments_sha256:
            raise DomainError(
                ErrorCode.CONFLICT,
                "These are not the arguments you reviewed: look at the operation again.",
                "argumentsDigest",
            )
        spec = operation_named(row.operation)

    run_failed: list[BaseException] = []

    async def claim() -> PendingOperation:
        now = clock.now()
        moved = await PendingOperation.filter(
            id=row.id,
            status=OperationStatus.PENDING,
            arguments_sha256=row.arguments_sha256,
            expires_at__gt=now,
        ).update(
            status=OperationStatus.CONFIRMED,
            checker_account_id=actor.account_id,
            checker_name=(actor.identity.display_name or "")[:120],
            decided_at=now,
        )
        if moved != 1:
            raise DomainError(
                ErrorCode.ALREADY_DECIDED,
                "Someone decided this operation meanwhile.",
                "operationId",
            )
        claimed = await PendingOperation.get(id=row.id)
        if spec.in_transaction:
            try:
                result = await spec.run(claimed, actor)
            except Exception as failure:
                run_failed.append(failure)
                raise
            await _finish(claimed, OperationStatus.EXECUTED, result=result)
        return claimed

    detail = f"{row.operation} {row.arguments_sha256}"
    try:
        claimed = await audited(
            actor, "confirmOperation", "PendingOperation", claim, subject_id=row.id, detail=detail
        )
    except Exception as failure:
        if not run_failed:
            raise
        # The run was rolled back with the claim: the row is PENDING again until marked.
        cause = run_failed[0]
        failed = await _record_failure(actor, row.id, OperationStatus.PENDING, _why(cause))
        if failed is None:
            raise
        raise OperationFailed(_as_refusal(cause), failed) from failure
    if spec.in_transaction:
        return claimed
    try:
        result = await spec.run(claimed, actor)
    except Exception as failure:
        failed = await _record_failure(actor, row.id, OperationStatus.CONFIRMED, _why(failure))
        raise OperationFailed(_as_refusal(failure), failed or claimed) from failure
    await audited(
        actor,
        "operationExecuted",
        "PendingOperation",
        lambda: _finish(claimed, OperationStatus.EXECUTED, result=result),
        subject_id=row.id,
    )
    return claimed


async def _record_failure(
    actor: Actor, operation_id: int, from_status: OperationStatus, why: str
) -> PendingOperation | None:
    """Mark the operation FAILED (its own audited transaction) if it is still `from_status`;
    close what waited on it and tell maker and checker. None when someone else moved it."""

    async def work() -> PendingOperation | None:
        now = clock.now()
        moved = await PendingOperation.filter(id=operation_id, status=from_status).update(
            status=OperationStatus.FAILED,
            checker_account_id=actor.account_id,
            checker_name=(actor.identity.display_name or "")[:120],
            decided_at=now,
            executed_at=now,
            failure_reason=why[:2000],
        )
        if moved != 1:
            return None
        failed = await PendingOperation.get(id=operation_id)
        await _closed(failed)
        await _tell_of_failure(failed)
        return failed

    return await audited(
        actor, "operationFailed", "PendingOperation", work, subject_id=operation_id, detail=why
    )


async def _tell_of_failure(row: PendingOperation) -> None:
    told = [i for i in (row.maker_account_id, row.checker_account_id) if i is not None]
    await notifications.notify_many(
        told,
        "OPERATION_FAILED",
        f"Confirmed operation failed: {row.summary}"[:200],
        row.failure_reason[:500],
        subject_type="PendingOperation",
        subject_id=row.id,
    )


async def _finish(
    row: PendingOperation, status: OperationStatus, *, result=None, failure: str = ""
) -> PendingOperation:
    row.status = status
    row.executed_at = clock.now()
    row.result = result
    row.failure_reason = failure
    await row.save(update_fields=["status", "executed_at", "result", "failure_reason"])
    return row


async def reject(actor: Actor, operation_id: int, reason: str, *, may: May) -> PendingOperation:
    """Refuse a pending operation (inside the caller's unit of work). Its maker may withdraw
    it; otherwise the reviewer needs the right to perform it."""
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the operation is refused.", "reason")
    own = actor.account_id is not None and actor.identity.kind == Kind.STAFF
    row = await PendingOperation.get_or_none(id=operation_id)
    if own and row is not None and row.maker_account_id == actor.account_id:
        always = _allow_all
    else:
        always = may
    row = await _reviewable(actor, operation_id, always)
    now = clock.now()
    moved = await PendingOperation.filter(id=row.id, status=OperationStatus.PENDING).update(
        status=OperationStatus.REJECTED,
        checker_account_id=actor.account_id,
        checker_name=(actor.identity.display_name or "")[:120],
        decision_comment=reason.strip()[:2000],
        decided_at=now,
    )
    if moved != 1:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "Someone decided this operation meanwhile.", "operationId"
        )
    row = await PendingOperation.get(id=row.id)
    await _closed(row)
    return row


async def _allow_all(resource: str, action: str) -> bool:
    return True


async def _closed(row: PendingOperation) -> None:
    spec = operation_named(row.operation)
    if spec.on_closed is not None:
        await spec.on_closed(row)


# ---- expiry -------------------------------------------------------------------------------


async def expire_overdue(limit: int = 200) -> int:
    """Mark pending operations past their expiry EXPIRED, each claimed by a conditional
    update so concurrent or repeated runs expire it once; and mark FAILED (INTERRUPTED) the
    confirmed ones whose run has not finished within `dual_review_expiry_hours` of their
    confirmation (the process running them died). Call inside a unit of work."""
    from domain.policy_params import params

    now = clock.now()
    due = (
        await PendingOperation.filter(status=OperationStatus.PENDING, expires_at__lte=now)
        .order_by("id")
        .limit(limit)
    )
    count = 0
    for row in due:
        moved = await PendingOperation.filter(id=row.id, status=OperationStatus.PENDING).update(
            status=OperationStatus.EXPIRED, decided_at=now
        )
        if moved == 1:
            count += 1
            row.status = OperationStatus.EXPIRED
            await _closed(row)
    stalled_before = now - dt.timedelta(hours=await params.dual_review_expiry_hours)
    stalled = (
        await PendingOperation.filter(
            status=OperationStatus.CONFIRMED, decided_at__lte=stalled_before
        )
        .order_by("id")
        .limit(limit)
    )
    why = f"{ErrorCode.INTERRUPTED}: the run did not finish; nothing says it completed."
    for row in stalled:
        moved = await PendingOperation.filter(id=row.id, status=OperationStatus.CONFIRMED).update(
            status=OperationStatus.FAILED, executed_at=now, failure_reason=why
        )
        if moved == 1:
            count += 1
            row = await PendingOperation.get(id=row.id)
            await _closed(row)
            await _tell_of_failure(row)
    return count


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingFilter:
    status: Sequence[str] | None = None
    operation: str | None = None
    # Pending operations this account could review: not their own.
    waiting_for_account: int | None = None
    # Only the operations this account asked for (a maker who reviews nothing).
    made_by_account: int | None = None


async def list_operations(
    filter: PendingFilter | None = None, *, first: int = 50, after_id: int | None = None
) -> tuple[list[PendingOperation], bool, Callable[[], Awaitable[int]]]:
    """Newest first, keyset-paged by id; `count()` counts every match when asked."""
    f = filter or PendingFilter()
    query = PendingOperation.all()
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.operation:
        query = query.filter(operation=f.operation)
    if f.made_by_account is not None:
        query = query.filter(maker_account_id=f.made_by_account)
    if f.waiting_for_account is not None:
        account_id = f.waiting_for_account
        query = query.filter(
            Q(maker_account_id__isnull=True) | Q(maker_account_id__not=account_id),
            status=OperationStatus.PENDING,
            expires_at__gt=clock.now(),
        )
    page = query.filter(id__lt=after_id) if after_id else query
    first = max(1, min(first, 200))
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def get_operation(operation_id: int) -> PendingOperation | None:
    return await PendingOperation.get_or_none(id=operation_id)
