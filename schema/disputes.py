"""Dispute fields of the root types (P7.2)."""

from __future__ import annotations

import strawberry

from resolvers import disputes as dispute_resolvers
from schema.permissions import requires
from schema.types.disputes import Dispute, DisputePayload
from schema.types.relay import Connection


@strawberry.type
class DisputeQuery:
    disputes: Connection[Dispute] = strawberry.field(
        resolver=dispute_resolvers.list_disputes, extensions=[requires("dispute", "read")]
    )


@strawberry.type
class DisputeMutation:
    open_dispute: DisputePayload = strawberry.mutation(
        resolver=dispute_resolvers.open_dispute, extensions=[requires("dispute", "open")]
    )
    escalate_dispute: DisputePayload = strawberry.mutation(
        resolver=dispute_resolvers.escalate_dispute, extensions=[requires("dispute", "open")]
    )
    decide_dispute: DisputePayload = strawberry.mutation(
        resolver=dispute_resolvers.decide_dispute, extensions=[requires("dispute", "decide")]
    )
    extend_arbitration: DisputePayload = strawberry.mutation(
        resolver=dispute_resolvers.extend_arbitration, extensions=[requires("dispute", "decide")]
    )
