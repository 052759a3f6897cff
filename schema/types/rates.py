"""The rate calendar: nightly prices of a room type set for a range of dates (P3.1.1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry

from schema.types.errors import UserError
from schema.types.rooms import (
    RoomType,
)


@strawberry.input
class SetNightlyRatesInput:
    room_type_id: strawberry.ID
    from_date: dt.date = strawberry.field(description="First night priced.")
    until_date: dt.date = strawberry.field(description="The night after the last one priced.")
    amount: Decimal


@strawberry.type
class SetNightlyRatesPayload:
    room_type: RoomType | None = None
    nights_priced: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)
