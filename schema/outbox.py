"""Outbox fields of the root types: the deliveries waiting, done and dead, and redelivery by an
operator (P3.1.3 voucher and PMS synchronisation)."""

from __future__ import annotations

import strawberry

from resolvers import outbox
from schema.permissions import requires
from schema.types.outbox import OutboxEvent, OutboxEventPayload
from schema.types.relay import Connection


@strawberry.type
class OutboxQuery:
    outbox_events: Connection[OutboxEvent] = strawberry.field(
        resolver=outbox.outbox_events, extensions=[requires("outbox", "read")]
    )


@strawberry.type
class OutboxMutation:
    redeliver_outbox_event: OutboxEventPayload = strawberry.mutation(
        resolver=outbox.redeliver_outbox_event, extensions=[requires("outbox", "redeliver")]
    )
