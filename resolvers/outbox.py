"""Operators' view of the outbox (P3.1.3 PMS sync and guest messages): list events, and send a
dead one again."""

from __future__ import annotations

import strawberry

from domain import outbox
from resolvers.support import run_audited
from schema.types.outbox import (
    OutboxEvent,
    OutboxEventPayload,
    OutboxFilter,
    RedeliverOutboxEventInput,
)
from schema.types.relay import Connection, paginate, parse_global_id


async def outbox_events(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: OutboxFilter | None = None,
) -> Connection[OutboxEvent]:
    query = outbox.events(
        status=filter.status if filter else None,
        destination=filter.destination if filter else None,
    )
    return await paginate(query, first, after, OutboxEvent.of)


async def redeliver_outbox_event(
    info: strawberry.Info, input: RedeliverOutboxEventInput
) -> OutboxEventPayload:
    async def work():
        return await outbox.redeliver(
            info.context.actor, parse_global_id(input.event_id, "OutboxEvent", "eventId")
        )

    row, errors = await run_audited(info, "redeliverOutboxEvent", "OutboxEvent", work)
    return OutboxEventPayload(event=row and OutboxEvent.of(row), errors=errors)
