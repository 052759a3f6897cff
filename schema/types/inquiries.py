"""Types of inquiries and conversion (P3.1.1 inquiry intake by every channel, P1.2 booking
conversion and repeat-purchase goals). Nested objects load through dataloaders; what of the
guest's contact details a caller sees is decided by `schema.privacy` (P6.1.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.inquiries import states, stats
from schema.loaders import bookings as booking_loaders
from schema.loaders import inquiries as loaders
from schema.types.bookings import Booking, BookingChannel, GuestInput, GuestProfile
from schema.types.errors import UserError
from schema.types.mapping import from_row
from schema.types.members import Member
from schema.types.rooms import RoomType

InquiryStatus = strawberry.enum(
    states.InquiryStatus,
    name="InquiryStatus",
    description="OPEN, CONVERTED into a booking, or LOST (P1.2).",
)
LostReason = strawberry.enum(
    states.LostReason, name="LostReason", description="Why an inquiry did not become a booking."
)
StatsGrouping = strawberry.enum(stats.StatsGrouping, name="StatsGrouping")


def _global(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


@strawberry.type(description="An amount of money with its currency.")
class Money:
    amount: Decimal
    currency: str


@strawberry.input(description="An amount of money; the currency defaults to CNY.")
class MoneyInput:
    amount: Decimal
    currency: str | None = "CNY"


@strawberry.type(
    description="A customer's inquiry about a stay, by any channel (P3.1.1), and what it "
    "became (P1.2): a booking, or lost for a reason."
)
class Inquiry(relay.Node):
    id: relay.NodeID[int]
    channel: BookingChannel
    status: InquiryStatus
    check_in: dt.date
    check_out: dt.date
    guests: int = strawberry.field(description="The size of the party.")
    budget: Money | None
    notes: str | None
    from_search: bool = strawberry.field(
        description="Recorded from a signed-in guest's online availability search."
    )
    taken_by_staff_id: strawberry.ID | None = strawberry.field(
        description="The StaffAccount that took it; null for partners and online searches."
    )
    taken_by_partner: bool = strawberry.field(description="Recorded through a partner token.")
    lost_reason: LostReason | None
    lost_note: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    row: strawberry.Private[object]

    @strawberry.field
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @strawberry.field(description="The room type asked for, if any.")
    async def room_type(self, info: strawberry.Info) -> RoomType | None:
        if self.row.room_type_id is None:
            return None
        return RoomType.of(await booking_loaders.room_types(info).load(self.row.room_type_id))

    @strawberry.field(description="The name of the staff member who took it.")
    async def taken_by_name(self, info: strawberry.Info) -> str | None:
        if self.row.taken_by_account_id is None:
            return None
        return await loaders.staff_names(info).load(self.row.taken_by_account_id)

    @strawberry.field(description="Who inquired, when known (contact details as privacy allows).")
    async def guest(self, info: strawberry.Info) -> GuestProfile | None:
        if self.row.guest_id is None:
            return None
        found = await booking_loaders.guest_profiles(info).load(self.row.guest_id)
        return found and GuestProfile.of(found)

    @strawberry.field
    async def member(self, info: strawberry.Info) -> Member | None:
        if self.row.member_id is None:
            return None
        found = await booking_loaders.members(info).load(self.row.member_id)
        return found and Member.of(found)

    @strawberry.field(description="The booking it became (CONVERTED).")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        if self.row.booking_id is None:
            return None
        found = await loaders.bookings(info).load(self.row.booking_id)
        return found and Booking.of(found)

    @classmethod
    def of(cls, row) -> Inquiry:
        return from_row(
            cls,
            row,
            channel=BookingChannel(row.channel),
            status=InquiryStatus(row.status),
            budget=(
                Money(amount=row.budget_amount, currency=row.budget_currency)
                if row.budget_amount is not None
                else None
            ),
            notes=row.notes or None,
            from_search=row.search_key is not None,
            taken_by_staff_id=_global("StaffAccount", row.taken_by_account_id),
            taken_by_partner=row.taken_by_token_id is not None,
            lost_reason=LostReason(row.lost_reason) if row.lost_reason else None,
            lost_note=row.lost_note or None,
            row=row,
        )


# ---- conversion statistics ----------------------------------------------------------------


@strawberry.type(
    description="Conversion and repeat purchase of one group (a channel or a staff member) over "
    "the period; rates are percentages with two places, null when there is nothing to measure."
)
class ConversionGroup:
    channel: BookingChannel | None = strawberry.field(
        description="The channel (grouped by CHANNEL)."
    )
    staff_id: strawberry.ID | None = strawberry.field(
        description="The StaffAccount (grouped by STAFF); null for inquiries and bookings no "
        "staff member took (online self-service, partners), and for the total."
    )
    staff_name: str | None
    inquiries: int = strawberry.field(description="Inquiries recorded in the period.")
    converted: int = strawberry.field(description="Of them, the ones that became a booking.")
    lost: int
    open: int
    conversion_rate_percent: Decimal | None = strawberry.field(
        description="converted / inquiries x 100: the booking conversion rate (P1.2)."
    )
    customers: int = strawberry.field(
        description="Customers (a member; else the guest's e-mail, else phone) with a purchased "
        "stay (CONFIRMED, CHECKED_IN or CHECKED_OUT) whose check-in falls in the period."
    )
    repeat_customers: int = strawberry.field(
        description="Of them, the ones who had purchased a stay with an earlier check-in."
    )
    repeat_rate_percent: Decimal | None = strawberry.field(
        description="repeatCustomers / customers x 100: the repeat-purchase rate (P1.2)."
    )

    @classmethod
    def of(cls, group: stats.GroupStats, grouping: stats.StatsGrouping | None) -> ConversionGroup:
        channel = None
        if grouping == stats.StatsGrouping.CHANNEL and group.key is not None:
            channel = BookingChannel(group.key)
        return from_row(
            cls,
            group,
            channel=channel,
            staff_id=_global("StaffAccount", group.staff_account_id),
        )


@strawberry.type(
    description="Progress towards a P1.2 goal: progress = (actual - baseline) / (target - "
    "baseline) x 100, so 0 at the baseline and 100 at the target."
)
class GoalProgress:
    baseline_percent: Decimal
    target_percent: Decimal
    actual_percent: Decimal | None
    progress_percent: Decimal | None


@strawberry.type(
    description="The booking conversion rate and the repeat-purchase rate over a period, by "
    "group and in total, with progress towards the P1.2 goals (their baselines and targets are "
    "policy parameters)."
)
class ConversionStats:
    period_from: dt.date
    period_to: dt.date
    group_by: StatsGrouping
    groups: list[ConversionGroup]
    total: ConversionGroup
    conversion_goal: GoalProgress = strawberry.field(
        description="Short-term goal: the conversion rate raised by "
        "conversion_uplift_target_percent (relative) over conversion_rate_baseline_percent."
    )
    repeat_purchase_goal: GoalProgress = strawberry.field(
        description="Long-term goal: the repeat-purchase rate from repeat_rate_baseline_percent "
        "to repeat_rate_target_percent."
    )

    @classmethod
    def of(cls, result: stats.ConversionStats) -> ConversionStats:
        return cls(
            period_from=result.period_from,
            period_to=result.period_to,
            group_by=result.group_by,
            groups=[ConversionGroup.of(g, result.group_by) for g in result.groups],
            total=ConversionGroup.of(result.total, None),
            conversion_goal=from_row(GoalProgress, result.conversion_goal),
            repeat_purchase_goal=from_row(GoalProgress, result.repeat_purchase_goal),
        )


# ---- inputs and payloads ------------------------------------------------------------------


@strawberry.input(description="A period of hotel-local days, both ends included.")
class StatsPeriodInput:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date


@strawberry.input
class InquiryFilter:
    status: list[InquiryStatus] | None = None
    channel: list[BookingChannel] | None = None
    taken_by_staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="The StaffAccount that took them."
    )
    recorded_from: dt.date | None = strawberry.field(
        default=None, description="Recorded on this hotel-local day or later."
    )
    recorded_to: dt.date | None = strawberry.field(
        default=None, description="Recorded on this hotel-local day or earlier."
    )


@strawberry.input(description="An inquiry taken by staff or a partner (P3.1.1).")
class RecordInquiryInput:
    channel: BookingChannel
    check_in: dt.date
    check_out: dt.date
    guests: int
    room_type_id: strawberry.ID | None = None
    budget: MoneyInput | None = None
    notes: str | None = None
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="The member who inquired (staff only)."
    )
    contact: GuestInput | None = strawberry.field(
        default=None, description="Who inquired, when not a member: name and phone or e-mail."
    )


@strawberry.input
class MarkInquiryLostInput:
    inquiry_id: strawberry.ID
    reason: LostReason
    note: str | None = strawberry.field(default=None, description="Required for OTHER.")


@strawberry.type
class InquiryPayload:
    inquiry: Inquiry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
