"""Types of the monthly member analysis (P3.1.8): ranked, explained recommendations and a
member's consumption behaviour. A behaviour row names its member by member number only: the
analysis is pseudonymous and carries no contact details (P6.1.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.analysis import explain, month_label
from schema.types.bookings import BookingChannel

RecommendationKind = strawberry.enum(
    explain.RecommendationKind,
    name="RecommendationKind",
    description="ROOM_TYPE: the room type to offer; TIMING: when to reach the member; "
    "OFFER: an upgrade, booking direct or a welcome back.",
)


@strawberry.type(description="A personalised recommendation with the reason behind it.")
class Recommendation:
    kind: RecommendationKind
    topic: str = strawberry.field(description="PREFERRED, SEASON, UPGRADE, DIRECT or WELCOME_BACK.")
    rank: int = strawberry.field(description="1 is the strongest recommendation.")
    title: str = strawberry.field(description="What to offer, in the reader's language.")
    reason: str = strawberry.field(description="Why, from the member's history.")
    score: float = strawberry.field(description="Strength between 0 and 1.")
    computed_for: str = strawberry.field(
        description="The month (YYYY-MM) whose history up to its end it was computed from."
    )

    @classmethod
    def of(cls, item: explain.Explained) -> Recommendation:
        return cls(
            kind=item.kind,
            topic=item.topic,
            rank=item.rank,
            title=item.title,
            reason=item.reason,
            score=float(item.score),
            computed_for=month_label(item.month),
        )


@strawberry.type(description="A room type as the analysis names it.")
class AnalysedRoomType:
    code: str
    name: str


@strawberry.type(
    description="A member's consumption behaviour over the history up to the end of a month. "
    "Pseudonymous: the member appears by number only, with no contact details."
)
class MemberBehaviour(relay.Node):
    id: relay.NodeID[int]
    member_number: str
    computed_for: str = strawberry.field(description="The month (YYYY-MM) analysed.")
    stays: int
    nights: int
    spend: Decimal
    average_rate: Decimal = strawberry.field(description="Room price per night, on average.")
    average_lead_days: float = strawberry.field(
        description="Days between making a booking and arriving, on average."
    )
    main_channel: BookingChannel
    main_channel_stays: int
    preferred_room_type: AnalysedRoomType
    preferred_room_type_stays: int
    preferred_room_type_share: float = strawberry.field(
        description="The preferred room type's share of the stays, between 0 and 1."
    )
    peak_month: int = strawberry.field(description="The calendar month most stays began in.")
    peak_month_stays: int
    seasonality: list[int] = strawberry.field(
        description="Stays begun in each calendar month, January first."
    )
    first_stay: dt.date
    last_stay: dt.date

    @classmethod
    def of(cls, row) -> MemberBehaviour:
        room_type = row.preferred_room_type
        return cls(
            id=row.id,
            member_number=row.member.member_number,
            computed_for=month_label(row.month),
            stays=row.stays,
            nights=row.nights,
            spend=row.spend,
            average_rate=row.average_rate,
            average_lead_days=float(row.average_lead_days),
            main_channel=BookingChannel(row.main_channel),
            main_channel_stays=row.main_channel_stays,
            preferred_room_type=AnalysedRoomType(code=room_type.code, name=room_type.name),
            preferred_room_type_stays=row.preferred_room_type_stays,
            preferred_room_type_share=round(row.preferred_room_type_stays / row.stays, 3),
            peak_month=row.peak_month,
            peak_month_stays=row.peak_month_stays,
            seasonality=[int(n) for n in row.season.split(",")],
            first_stay=row.first_stay,
            last_stay=row.last_stay,
        )


@strawberry.input(description="Which behaviour rows to list.")
class MemberAnalysisFilter:
    month: str | None = strawberry.field(
        default=None, description="YYYY-MM; the latest analysed month when omitted."
    )
    main_channel: BookingChannel | None = None
    preferred_room_type_id: strawberry.ID | None = None
