"""Helpers of the analysis tests: room types and members with a hand-built stay history
(booking rows as the booking area leaves them after check-out), and the documents the API
is asked with."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from strawberry import relay

from domain import consents
from domain.actor import SYSTEM
from domain.models import (
    AnalysisRun,
    AnalysisStay,
    Booking,
    ConsentPurpose,
    GuestProfile,
    Member,
    MemberBehaviour,
    Recommendation,
    RoomType,
)

UTC = dt.UTC
# The suite's clock stands at 2026-11-28: the last finished month is October 2026.
OCTOBER = dt.date(2026, 10, 1)

_numbers = itertools.count(1)

RECOMMENDATIONS = """
query($id: ID!) { recommendations(memberId: $id) {
  kind topic rank title reason score computedFor } }"""
BEHAVIOUR = """
query($id: ID!, $month: String) { memberBehaviour(memberId: $id, month: $month) {
  memberNumber computedFor stays nights spend averageRate averageLeadDays mainChannel
  mainChannelStays preferredRoomType { code name } preferredRoomTypeStays
  preferredRoomTypeShare peakMonth peakMonthStays seasonality firstStay lastStay } }"""
ANALYSIS = """
query($first: Int, $after: String, $filter: MemberAnalysisFilter) {
  memberAnalysis(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id memberNumber stays nights spend mainChannel preferredRoomType { code } } } }"""


def member_gid(pk: int) -> str:
    return str(relay.GlobalID("Member", str(pk)))


async def room_types() -> dict[str, RoomType]:
    made = {}
    for code, name, rate in (
        ("STD", "Standard", "500.00"),
        ("DLX", "Deluxe", "800.00"),
        ("STE", "Suite", "9000.00"),
    ):
        made[code] = await RoomType.create(
            code=code, name=name, capacity=2, base_rate=Decimal(rate), currency="CNY"
        )
    return made


async def member(name: str = "Zhao Lei", email: str | None = "zhao.lei@example.com") -> Member:
    profile = await GuestProfile.create(
        full_name=name, phone="+8613900139001", email=email, is_temporary=False
    )
    made = await Member.create(member_number=f"M{next(_numbers):09d}", guest_profile=profile)
    # Personalised recommendations need the member's marketing consent (P6.1.2).
    await consents.record(
        SYSTEM, ConsentPurpose.MARKETING, granted=True, notice_version="test", channel="STAFF",
        member_id=made.id,
    )
    return made


async def stay(
    who: Member | None,
    room_type: RoomType,
    check_in: dt.date,
    nights: int,
    *,
    gross: str,
    paid: str | None = None,
    channel: str = "ONLINE",
    booked_at: dt.datetime,
    status: str = "CHECKED_OUT",
) -> Booking:
    """A booking as it stands after the stay (or cancelled, or still ahead)."""
    guest = (
        await GuestProfile.get(id=who.guest_profile_id)
        if who
        else await GuestProfile.create(full_name="Walk In", is_temporary=True)
    )
    row = await Booking.create(
        number=f"T{next(_numbers):08d}",
        status=status,
        channel=channel,
        room_type=room_type,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=nights),
        guests=2,
        nights=nights,
        guest=guest,
        member=who,
        gross_amount=Decimal(gross),
        total_amount=Decimal(paid or gross),
        currency="CNY",
        terms_version="test",
    )
    # created_at defaults to the clock: set the booking moment explicitly.
    await Booking.filter(id=row.id).update(created_at=booked_at)
    return row


def at(day: str, hour: int = 4) -> dt.datetime:
    """A UTC moment on a day (04:00 UTC is noon at the hotel)."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


async def analysis_rows() -> tuple[list[tuple], list[tuple]]:
    """The month's behaviour and recommendation rows, comparable between runs."""
    behaviour = [
        (
            b.member_id,
            b.stays,
            b.nights,
            b.spend,
            b.average_rate,
            b.average_lead_days,
            b.main_channel,
            b.preferred_room_type_id,
            b.peak_month,
            b.season,
        )
        for b in await MemberBehaviour.all().order_by("member_id")
    ]
    recommendations = [
        (r.member_id, r.rank, r.kind, r.topic, r.room_type_id, r.evidence, r.total, r.score)
        for r in await Recommendation.all().order_by("member_id", "rank")
    ]
    return behaviour, recommendations


async def forget_analysis() -> None:
    await Recommendation.all().delete()
    await MemberBehaviour.all().delete()
    await AnalysisStay.all().delete()
    await AnalysisRun.all().delete()


async def reanalyse(month: dt.date = OCTOBER) -> None:
    """Forget the month's analysis and run it again over the history as it now stands."""
    from domain import analysis

    await forget_analysis()
    await analysis.analyse_month(month)


async def grow_history(
    who: Member, count: int, *, room_type: RoomType, channel: str, first: dt.date
) -> None:
    """`count` one-night stays of a member, a week apart from `first`, booked 10 days ahead."""
    for i in range(count):
        day = first + dt.timedelta(days=7 * i)
        await stay(
            who,
            room_type,
            day,
            1,
            gross=str(room_type.base_rate),
            channel=channel,
            booked_at=at((day - dt.timedelta(days=10)).isoformat()),
        )
