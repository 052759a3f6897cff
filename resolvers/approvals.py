"""Approvals: submit by amount or in an emergency, decide level by level, list (P4.1.1,
P4.1.2, P3.1.4, P6.2.3). Staff who do not decide approvals see only what they submitted."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import approvals, authority
from domain.errors import DomainError, ErrorCode
from domain.finance import budgets
from domain.models import ApprovalRequest as ApprovalRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.approvals import (
    ApprovalFilter,
    ApprovalPayload,
    ApprovalRequest,
    DecideApprovalInput,
    SubmitApprovalInput,
)
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id


async def list_approvals(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ApprovalFilter | None = None,
) -> Connection[ApprovalRequest]:
    identity = info.context.identity
    size = page_size(first)
    f = filter or ApprovalFilter()
    domain_filter = approvals.ApprovalFilter(
        status=[s.value for s in f.status] if f.status else None,
        kind=f.kind,
        visible_to_account=(
            identity.id if access_of(info, "approval", "read") == Access.OWN else None
        ),
        awaiting_account=(
            (identity.id, identity.roles) if f.waiting_for_me or f.awaiting_my_decision else None
        ),
    )
    rows, has_next, count = await approvals.list_approvals(
        domain_filter, first=max(size, 1), after_id=decode_cursor(after) if after else None
    )
    return connection(
        rows[:size], has_next=has_next, count=count, after=after, to_node=ApprovalRequest.of
    )


async def submit_approval(info: strawberry.Info, input: SubmitApprovalInput) -> ApprovalPayload:
    async def work():
        if input.budget_line is not None:
            line = input.budget_line
            return await budgets.submit_spending(
                info.context.actor,
                budgets.BudgetLine(line.department, line.category, line.month),
                kind=input.kind,
                reason=input.reason,
                amount=input.amount,
                currency=input.currency,
                subject_id=input.subject_id,
                over_budget=input.over_budget,
                emergency=input.emergency,
            )
        if input.over_budget:
            raise DomainError(
                ErrorCode.REQUIRED, "Name the budget line to spend past.", "budgetLine"
            )
        return await authority.submit(
            info.context.actor,
            kind=input.kind,
            reason=input.reason,
            amount=input.amount,
            currency=input.currency,
            subject_id=input.subject_id,
            emergency=input.emergency,
        )

    row, errors = await run_audited(info, "submitApproval", "ApprovalRequest", work)
    return ApprovalPayload(approval=row and ApprovalRequest.of(row), errors=errors)


async def decide_approval(info: strawberry.Info, input: DecideApprovalInput) -> ApprovalPayload:
    async def work():
        approval_id = parse_global_id(input.approval_id, "ApprovalRequest", "approvalId")
        if not await approvals.get_approval(approval_id):
            raise DomainError(ErrorCode.NOT_FOUND, "No such approval request.", "approvalId")
        return await approvals.decide_approval(
            info.context.actor, approval_id, input.decision.value, input.comment
        )

    row, errors = await run_audited(info, "decideApproval", "ApprovalRequest", work)
    return ApprovalPayload(approval=row and ApprovalRequest.of(row), errors=errors)


@register("ApprovalRequest", "approval")
async def _approval_node(info: strawberry.Info, pk: int, access) -> ApprovalRequest | None:
    row = await ApprovalRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await approvals.visible_to(row, info.context.identity.id):
        return None
    return ApprovalRequest.of(row)
