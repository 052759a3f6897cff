"""Outbox events as operators see them: what was sent where, attempts, and dead letters."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from schema.errors import UserError


@strawberry.type
class OutboxEvent(relay.Node):
    id: relay.NodeID[int]
    topic: str
    destination: str
    status: str
    attempts: int
    last_error: str
    payload: JSON
    created_at: dt.datetime
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None

    @classmethod
    def of(cls, row) -> OutboxEvent:
        return cls(
            id=row.id,
            topic=row.topic,
            destination=row.destination,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            payload=row.payload,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
        )


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
