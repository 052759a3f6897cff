"""Dual-review fields of the root types (P6.2.3)."""

from __future__ import annotations

import strawberry

from resolvers import dual_review
from schema.permissions import requires
from schema.types.dual_review import PendingOperation, PendingOperationPayload
from schema.types.relay import Connection


@strawberry.type
class DualReviewQuery:
    pending_operations: Connection[PendingOperation] = strawberry.field(
        resolver=dual_review.pending_operations,
        extensions=[requires("pending_operation", "read")],
        description="High-risk operations stored for a second person (P6.2.3).",
    )


@strawberry.type
class DualReviewMutation:
    confirm_operation: PendingOperationPayload = strawberry.mutation(
        resolver=dual_review.confirm_operation,
        extensions=[requires("pending_operation", "confirm")],
        description="Confirm and run an operation someone else asked for.",
    )
    reject_operation: PendingOperationPayload = strawberry.mutation(
        resolver=dual_review.reject_operation,
        extensions=[requires("pending_operation", "reject")],
        description="Refuse an operation (or withdraw one you asked for).",
    )
