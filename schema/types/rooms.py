"""Types of the hotel's rooms and what they sell for a stay: room types, rooms, nightly rates
and offers (P3.1.1 intake: availability and prices)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from schema.loaders import bookings as loaders
from schema.loaders.at_once import then_load
from schema.types.mapping import from_row


@strawberry.type(description="A kind of room the hotel sells.")
class RoomType(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    description: str
    capacity: int = strawberry.field(description="Guests the room takes at most.")
    base_rate: Decimal
    currency: str

    @classmethod
    def of(cls, row) -> RoomType:
        return from_row(cls, row)


@strawberry.type(description="A physical room.")
class Room(relay.Node):
    id: relay.NodeID[int]
    number: str
    floor: int
    occupied: bool = strawberry.field(description="A guest is checked in.")
    room_type_pk: strawberry.Private[int]

    @strawberry.field
    def room_type(self, info: strawberry.Info) -> RoomType:
        return then_load(loaders.room_types(info), self.room_type_pk, RoomType.of)

    @classmethod
    def of(cls, row) -> Room:
        return from_row(
            cls, row, occupied=row.current_booking_id is not None, room_type_pk=row.room_type_id
        )


@strawberry.type
class NightlyRate:
    date: dt.date
    amount: Decimal


@strawberry.type(description="What a room type offers for a stay: rooms free on every night.")
class RoomTypeAvailability:
    room_type: RoomType
    available: int
    total_amount: Decimal
    currency: str
    prices: strawberry.Private[list]

    # Built only when asked for: a search mostly wants the totals (issue 12).
    @strawberry.field
    def nightly_rates(self) -> list[NightlyRate]:
        return [from_row(NightlyRate, night) for night in self.prices]

    @classmethod
    def of(cls, offer) -> RoomTypeAvailability:
        return from_row(
            cls, offer, room_type=RoomType.of(offer.room_type), prices=offer.nightly_rates
        )
