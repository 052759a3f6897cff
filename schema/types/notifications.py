"""Inputs and payloads of the viewer's notifications."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema.types.errors import UserError


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID]


@strawberry.type
class MarkNotificationsReadPayload:
    marked: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)
