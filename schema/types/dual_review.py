"""Pending high-risk operations of dual review (P6.2.3)."""

from __future__ import annotations

import datetime as dt
import json

import strawberry
from strawberry import relay

from domain import dual_review
from schema.types.errors import UserError

PendingOperationStatus = strawberry.enum(dual_review.OperationStatus, name="PendingOperationStatus")


@strawberry.type(description="A high-risk operation stored until a second person confirms it.")
class PendingOperation(relay.Node):
    id: relay.NodeID[int]
    operation: str = strawberry.field(
        description="The declared operation, e.g. policy_parameter.set."
    )
    summary: str
    arguments: str = strawberry.field(
        description="Exactly what runs, as JSON (keys such as a password hash shown as hidden)."
    )
    arguments_digest: str = strawberry.field(
        description="SHA-256 of the operation and its arguments: confirm with this value."
    )
    required_permissions: list[str] = strawberry.field(
        description="resource:action pairs the checker must hold."
    )
    status: PendingOperationStatus
    subject_type: str | None
    subject_id: str | None
    requested_by: str = strawberry.field(description="Who asked for it (the maker).")
    requested_by_me: bool
    decided_by: str | None
    decision_comment: str
    expires_at: dt.datetime
    decided_at: dt.datetime | None
    executed_at: dt.datetime | None
    result: str | None = strawberry.field(description="What the operation reported, as JSON.")
    failure_reason: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row, viewer_account_id: int | None = None) -> PendingOperation:
        return cls(
            id=row.id,
            operation=row.operation,
            summary=row.summary,
            arguments=dual_review.canonical(dual_review.shown_arguments(row)),
            arguments_digest=row.arguments_sha256,
            required_permissions=[f"{r}:{a}" for r, a in row.permissions],
            status=PendingOperationStatus(row.status),
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            requested_by=row.maker_name or row.maker_ref,
            requested_by_me=(
                viewer_account_id is not None and row.maker_account_id == viewer_account_id
            ),
            decided_by=row.checker_name or None,
            decision_comment=row.decision_comment,
            expires_at=row.expires_at,
            decided_at=row.decided_at,
            executed_at=row.executed_at,
            result=None if row.result is None else json.dumps(row.result, sort_keys=True),
            failure_reason=row.failure_reason,
            created_at=row.created_at,
        )


@strawberry.input
class PendingOperationFilter:
    status: list[PendingOperationStatus] | None = None
    operation: str | None = None
    waiting_for_me: bool = strawberry.field(
        default=False, description="Pending, not expired, and not asked for by me."
    )


@strawberry.input
class ConfirmOperationInput:
    operation_id: relay.GlobalID
    arguments_digest: str = strawberry.field(
        description="The argumentsDigest of the operation as you reviewed it."
    )


@strawberry.input
class RejectOperationInput:
    operation_id: relay.GlobalID
    reason: str


@strawberry.type
class PendingOperationPayload:
    operation: PendingOperation | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
