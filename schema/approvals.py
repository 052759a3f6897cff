"""Approval fields of the root types (P3.1.4, P4.1.1, P4.1.2, P6.2.3)."""

from __future__ import annotations

import strawberry

from resolvers import approvals
from schema.permissions import requires
from schema.types.approvals import ApprovalPayload, ApprovalRequest
from schema.types.relay import Connection


@strawberry.type
class ApprovalQuery:
    approvals: Connection[ApprovalRequest] = strawberry.field(
        resolver=approvals.list_approvals, extensions=[requires("approval", "read")]
    )


@strawberry.type
class ApprovalMutation:
    submit_approval: ApprovalPayload = strawberry.mutation(
        resolver=approvals.submit_approval, extensions=[requires("approval", "submit")]
    )
    decide_approval: ApprovalPayload = strawberry.mutation(
        resolver=approvals.decide_approval, extensions=[requires("approval", "decide")]
    )
