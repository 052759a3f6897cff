"""Outbox events as operators see them: what was sent where, attempts, and dead letters;
personal values in payloads as the caller may see them (P6.1.2)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from domain import outbox_privacy
from schema.privacy import disclosures
from schema.types.errors import UserError
from schema.types.mapping import from_row


@strawberry.type
class OutboxEvent(relay.Node):
    id: relay.NodeID[int]
    topic: str
    destination: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    raw_payload: strawberry.Private[object]

    @strawberry.field(
        description="The event's data. Personal values (recipients, guest names, voucher codes) "
        "are masked unless the caller may read them on every booking (P6.1.2)."
    )
    async def payload(self, info: strawberry.Info) -> JSON:
        # The outbox is not filtered by ownership: a grant on one's own records does not count.
        shown = await disclosures(info, own_record=False)
        return outbox_privacy.redact(self.destination, self.raw_payload, shown.__getitem__)

    @classmethod
    def of(cls, row) -> OutboxEvent:
        return from_row(cls, row, raw_payload=row.payload)


@strawberry.input
class OutboxFilter:
    status: str | None = None
    destination: str | None = None


@strawberry.input
class RedeliverOutboxEventInput:
    event_id: relay.GlobalID


@strawberry.type
class OutboxEventPayload:
    event: OutboxEvent | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
