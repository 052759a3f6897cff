"""Approval requests and decisions (P3.1.4, P4.1.1, P4.1.2, P6.2.3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import approvals
from schema.loaders import accounts_loader, approval_decisions_loader
from schema.types.errors import UserError
from schema.types.finance import BudgetLineInput
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row

# The domain's enums, exposed under their GraphQL names (one declaration of each).
ApprovalStatus = strawberry.enum(approvals.ApprovalStatus, name="ApprovalStatus")
ApprovalDecisionKind = strawberry.enum(approvals.Decision, name="ApprovalDecisionKind")


@strawberry.type
class ApprovalDecision:
    level: int
    role: str
    decision: str
    comment: str
    decided_at: dt.datetime
    decided_by_id: strawberry.Private[int]

    @strawberry.field
    async def decided_by(self, info: strawberry.Info) -> Viewer | None:
        account = await accounts_loader(info).load(self.decided_by_id)
        return account and viewer_of_account(account)

    @classmethod
    def of(cls, row) -> ApprovalDecision:
        return from_row(
            cls, row, decided_at=row.created_at, decided_by_id=row.decided_by_account_id
        )


@strawberry.type
class ApprovalRequest(relay.Node):
    id: relay.NodeID[int]
    kind: str
    amount: Decimal | None
    currency: str | None
    status: ApprovalStatus
    required_role: str
    reason: str
    emergency: bool
    current_level: int
    levels: int
    subject_type: str | None
    subject_id: str | None
    due_at: dt.datetime | None = strawberry.field(
        description="When the request can no longer be decided (it expires then)."
    )
    paperwork_due_at: dt.datetime | None = strawberry.field(
        description="On an authorised emergency: when its formal paperwork is due (P4.1.2)."
    )
    decided_at: dt.datetime | None
    created_at: dt.datetime
    submitted_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def submitted_by(self, info: strawberry.Info) -> Viewer | None:
        if self.submitted_by_id is None:
            return None
        account = await accounts_loader(info).load(self.submitted_by_id)
        return account and viewer_of_account(account)

    @strawberry.field
    async def decisions(self, info: strawberry.Info) -> list[ApprovalDecision]:
        rows = await approval_decisions_loader(info).load(self.id)
        return [ApprovalDecision.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> ApprovalRequest:
        return from_row(
            cls,
            row,
            status=ApprovalStatus(row.status),
            levels=len(row.levels),
            submitted_by_id=row.submitted_by_account_id,
        )


@strawberry.input
class ApprovalFilter:
    status: list[ApprovalStatus] | None = None
    kind: str | None = None
    awaiting_my_decision: bool = strawberry.field(
        default=False, deprecation_reason="Use waitingForMe."
    )
    waiting_for_me: bool = strawberry.field(
        default=False,
        description="Pending, not past due, my role decides the next level, not submitted by "
        "me and no level decided by me already.",
    )


@strawberry.input
class SubmitApprovalInput:
    kind: str
    reason: str
    amount: Decimal | None = None
    currency: str | None = None
    subject_id: strawberry.ID | None = None
    emergency: bool = False
    budget_line: BudgetLineInput | None = strawberry.field(
        default=None, description="The budget the spending is charged to (P4.1.3)."
    )
    over_budget: bool = strawberry.field(
        default=False,
        description="Ask Finance's special permission to spend past the budget line (P4.1.3).",
    )


@strawberry.input
class DecideApprovalInput:
    approval_id: relay.GlobalID
    decision: ApprovalDecisionKind
    comment: str = ""


@strawberry.type
class ApprovalPayload:
    approval: ApprovalRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
