"""Dual review (P6.2.3): what waits for a second person, and confirming or refusing it. The
checker's right to perform the operation is asked of the permission matrix here and handed to
the domain, which decides."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access, enforcer
from domain import dual_review
from domain.errors import DomainError, ErrorCode
from domain.models import PendingOperation as PendingRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, user_errors
from schema.types.dual_review import (
    ConfirmOperationInput,
    PendingOperation,
    PendingOperationFilter,
    PendingOperationPayload,
    RejectOperationInput,
)
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id


def checker_rights(identity) -> dual_review.May:
    """The permission matrix's answer for the checker, as the domain asks it."""

    async def may(resource: str, action: str) -> bool:
        return await enforcer.decide(identity, resource, action) is not None

    return may


def pending_of(info: strawberry.Info, row) -> PendingOperation | None:
    """The GraphQL object of a pending operation a mutation returned, if it returned one."""
    if not isinstance(row, PendingRow):
        return None
    return PendingOperation.of(row, info.context.identity.id)


async def pending_operations(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: PendingOperationFilter | None = None,
) -> Connection[PendingOperation]:
    identity = info.context.identity
    size = page_size(first)
    f = filter or PendingOperationFilter()
    rows, has_next, count = await dual_review.list_operations(
        dual_review.PendingFilter(
            status=[s.value for s in f.status] if f.status else None,
            operation=f.operation,
            waiting_for_account=identity.id if f.waiting_for_me else None,
            made_by_account=(
                identity.id if access_of(info, "pending_operation", "read") == Access.OWN else None
            ),
        ),
        first=max(size, 1),
        after_id=decode_cursor(after) if after else None,
    )
    return connection(
        rows[:size],
        has_next=has_next,
        count=count,
        after=after,
        to_node=lambda row: PendingOperation.of(row, identity.id),
    )


async def _operation_id(value) -> int:
    operation_id = parse_global_id(value, "PendingOperation", "operationId")
    if not await dual_review.get_operation(operation_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such pending operation.", "operationId")
    return operation_id


async def confirm_operation(
    info: strawberry.Info, input: ConfirmOperationInput
) -> PendingOperationPayload:
    async def call():
        return await dual_review.confirm(
            info.context.actor,
            await _operation_id(input.operation_id),
            input.arguments_digest,
            may=checker_rights(info.context.identity),
        )

    try:
        row, errors = await call(), []
    except dual_review.OperationFailed as failed:
        # Confirmed but it could not run: the FAILED row and why, for the checker to see.
        row, errors = failed.operation, user_errors(failed)
    except DomainError as refusal:
        row, errors = None, user_errors(refusal)
    if (
        row is not None
        and row.status == dual_review.OperationStatus.EXECUTED
        and (row.operation == "role_grant.set")
    ):
        await enforcer.refresh(force=True)
    return PendingOperationPayload(operation=pending_of(info, row), errors=errors)


async def reject_operation(
    info: strawberry.Info, input: RejectOperationInput
) -> PendingOperationPayload:
    async def work():
        return await dual_review.reject(
            info.context.actor,
            await _operation_id(input.operation_id),
            input.reason,
            may=checker_rights(info.context.identity),
        )

    row, errors = await run_audited(info, "rejectOperation", "PendingOperation", work)
    return PendingOperationPayload(operation=pending_of(info, row), errors=errors)


@register("PendingOperation", "pending_operation")
async def _pending_node(info: strawberry.Info, pk: int, access) -> PendingOperation | None:
    row = await PendingRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and row.maker_account_id != info.context.identity.id:
        return None
    return PendingOperation.of(row, info.context.identity.id)
