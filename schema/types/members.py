"""Types of the loyalty programme (P3.1.2 points, P3.1.10 tiers): a member, their booking
history and tier history, what is missing for the next tier, and the member mutations. Who
sees a points balance and contact details is decided by `schema.privacy` (P6.1.2): a
pseudonymous reader (an analyst) sees the member number, tier and figures but no profile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from authz.identity import Kind
from domain.members import history
from domain.personal_data import Disclosure, PersonalData
from schema.permissions import requires
from schema.privacy import disclosure_of, shown_at_once
from schema.types.errors import UserError
from schema.types.relay import Connection, connection, decode_cursor, page_size

if TYPE_CHECKING:
    from schema.types.approvals import ApprovalRequest
    from schema.types.bookings import Booking, GuestProfile


async def _identified(info: strawberry.Info) -> bool:
    """Whether the caller may know who the member is (the name in full: staff who serve guests
    and the member themself); others read members pseudonymously."""
    return await disclosure_of(info, PersonalData.NAME) == Disclosure.FULL


async def _contacts(info: strawberry.Info) -> bool:
    """Whether the caller sees contact details in full (the member, the roles that contact
    guests): the birthday is shown to them only, never to partners or analysts."""
    return await disclosure_of(info, PersonalData.EMAIL) == Disclosure.FULL


@strawberry.type(description="One move between tiers with the figures it was decided on.")
class TierChange:
    from_tier: str
    to_tier: str
    reason: str = strawberry.field(description="UPGRADE or YEARLY_REVIEW.")
    spend: Decimal
    nights: int
    period_start: dt.date
    period_end: dt.date
    changed_at: dt.datetime

    @classmethod
    def of(cls, row) -> TierChange:
        return cls(
            from_tier=row.from_tier,
            to_tier=row.to_tier,
            reason=row.reason,
            spend=row.spend,
            nights=row.nights,
            period_start=row.period_start,
            period_end=row.period_end,
            changed_at=row.created_at,
        )


@strawberry.enum(description="What moved a member's points (P3.1.2).")
class PointsMovementKind(Enum):
    EARN = "EARN"
    RESERVE = "RESERVE"
    RETURN = "RETURN"
    ADJUST = "ADJUST"
    EXPIRE = "EXPIRE"


@strawberry.type(
    description="One movement of the points ledger: earned at a check-out, redeemed for a "
    "booking (RESERVE) or given back at its cancellation (RETURN), adjusted by staff, expired."
)
class PointsMovement:
    id: strawberry.Private[int]
    kind: PointsMovementKind
    points: int = strawberry.field(description="Positive when credited, negative when taken.")
    reason: str | None = strawberry.field(
        description="The reason staff gave for a manual adjustment; null for the other kinds."
    )
    booking_number: str | None = strawberry.field(
        description="The booking the points were earned by, redeemed for or given back by."
    )
    at: dt.datetime

    @classmethod
    def of(cls, row: history.Movement) -> PointsMovement:
        return cls(
            id=row.id,
            kind=PointsMovementKind(row.kind),
            points=row.points,
            reason=row.reason,
            booking_number=row.booking_number,
            at=row.at,
        )


@strawberry.type(
    description="Points of one earning that are left, and when they expire "
    "(points_expiry_months after they were earned)."
)
class ExpiringPoints:
    points: int
    earned_at: dt.datetime
    expires_at: dt.datetime


async def _sees_points(info: strawberry.Info) -> bool:
    """The member themself and the roles granted member data; not analysts, not partners."""
    return await disclosure_of(info, PersonalData.POINTS_BALANCE) == Disclosure.FULL


@strawberry.type(description="A loyalty member.")
class Member(relay.Node):
    id: relay.NodeID[int]
    member_number: str
    tier: str
    is_active: bool
    joined_at: dt.datetime
    tier_review_on: dt.date | None = strawberry.field(
        description="The yearly tier review (P3.1.10): a year after the last tier change."
    )
    balance: strawberry.Private[int]
    row: strawberry.Private[object]

    @strawberry.field(
        description="The member's own, and the roles granted member data; null for others "
        "and for partners (P6.1.2)."
    )
    def points_balance(self, info: strawberry.Info) -> int | None:
        return shown_at_once(info, PersonalData.POINTS_BALANCE, self.balance)

    @strawberry.field(
        description="Name and contact details, masked by role; null for pseudonymous readers."
    )
    async def profile(
        self, info: strawberry.Info
    ) -> Annotated[GuestProfile, strawberry.lazy("schema.types.bookings")] | None:
        if not await _identified(info):
            return None
        from schema.loaders import bookings as booking_loaders
        from schema.types.bookings import GuestProfile

        row = await booking_loaders.guest_profiles(info).load(self.row.guest_profile_id)
        return row and GuestProfile.of(row)

    @strawberry.field(
        description="Birthday month (1-12): for the member and the roles that contact guests."
    )
    async def birth_month(self, info: strawberry.Info) -> int | None:
        return self.row.birth_month if await _contacts(info) else None

    @strawberry.field(
        description="Birthday day of the month: for the member and the roles that contact guests."
    )
    async def birth_day(self, info: strawberry.Info) -> int | None:
        return self.row.birth_day if await _contacts(info) else None

    @strawberry.field(
        description="The member's bookings, newest first.",
        extensions=[requires("booking", "read")],
    )
    async def bookings(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Booking, strawberry.lazy("schema.types.bookings")]]:
        from resolvers.members import member_bookings
        from schema.loaders import members as member_loaders

        history = await member_loaders.bookings(info).load(self.id)
        return await member_bookings(info, history, first, after)

    @strawberry.field(
        description="The member's tier history, newest first (P3.1.10); null for partners (the "
        "spend and nights of every stay are not theirs to know)."
    )
    async def tier_changes(self, info: strawberry.Info) -> list[TierChange] | None:
        from schema.loaders import members as member_loaders

        if info.context.identity.kind == Kind.PARTNER:
            return None
        rows = await member_loaders.tier_changes(info).load(self.id)
        return [TierChange.of(row) for row in rows]

    @strawberry.field(
        description="The points ledger, newest first: what the balance is the sum of. For the "
        "member and the roles that see the balance; null for others (P3.1.2, P6.1.2)."
    )
    async def points_ledger(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Connection[PointsMovement] | None:
        from schema.loaders import members as member_loaders

        if not await _sees_points(info):
            return None
        size = page_size(first)
        after_id = decode_cursor(after) if after else None
        rows, total = await member_loaders.points_movements(info, size + 1, after_id).load(self.id)

        async def count() -> int:
            return total  # counted by the page's own query

        return connection(
            rows[:size],
            has_next=len(rows) > size,
            count=count,
            after=after,
            to_node=PointsMovement.of,
        )

    @strawberry.field(
        description="The points left of each earning with their expiry, soonest first (they "
        "are spent and expired in that order). For the member and the roles that see the "
        "balance; null for others."
    )
    async def expiring_points(self, info: strawberry.Info) -> list[ExpiringPoints] | None:
        from schema.loaders import members as member_loaders

        if not await _sees_points(info):
            return None
        rows = await member_loaders.points_expiring(info).load(self.id)
        return [
            ExpiringPoints(points=r.points, earned_at=r.earned_at, expires_at=r.expires_at)
            for r in rows
        ]

    @classmethod
    def of(cls, row) -> Member:
        return cls(
            id=row.id,
            member_number=row.member_number,
            tier=row.tier,
            is_active=row.is_active,
            joined_at=row.created_at,
            tier_review_on=row.tier_review_on,
            balance=row.points_balance,
            row=row,
        )


@strawberry.type(
    description="What a member has over the trailing 12 months and what is missing for the "
    "next tier: both the spend and the nights must reach its thresholds (P3.1.10)."
)
class TierProgress:
    member: Member
    tier: str
    spend: Decimal = strawberry.field(description="Money paid for stays checked out in the period.")
    nights: int
    period_start: dt.date
    period_end: dt.date
    next_tier: str | None = strawberry.field(description="Null at the highest tier.")
    next_tier_spend: Decimal | None
    next_tier_nights: int | None
    spend_needed: Decimal = strawberry.field(description="Spend still missing for the next tier.")
    nights_needed: int = strawberry.field(description="Nights still missing for the next tier.")
    review_on: dt.date | None

    @classmethod
    def of(cls, progress) -> TierProgress:
        return cls(
            member=Member.of(progress.member),
            tier=progress.member.tier,
            spend=progress.figures.spend,
            nights=progress.figures.nights,
            period_start=progress.period_start,
            period_end=progress.period_end,
            next_tier=progress.next_tier,
            next_tier_spend=progress.next_spend,
            next_tier_nights=progress.next_nights,
            spend_needed=progress.spend_needed,
            nights_needed=progress.nights_needed,
            review_on=progress.review_on,
        )


@strawberry.type(description="The membership terms a guest accepts when joining.")
class MembershipTerms:
    version: str
    text: str


@strawberry.input
class MemberFilter:
    tier: list[str] | None = None
    active: bool | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Words, or starts of words, of the member's name, phone or e-mail. Only "
        "for callers who may see contact details.",
    )


@strawberry.input(
    description="A guest registers themself (no guestEmail); staff name the guest account by "
    "its e-mail."
)
class RegisterMemberInput:
    accepted_terms_version: str
    guest_email: str | None = None
    marketing_consent: bool | None = False
    phone: str | None = None
    birth_month: int | None = None
    birth_day: int | None = None


@strawberry.input
class AdjustPointsInput:
    member_id: strawberry.ID
    delta: int = strawberry.field(description="Points to add (positive) or take off (negative).")
    reason: str


@strawberry.type
class MemberPayload:
    member: Member | None = None
    approval: Annotated[ApprovalRequest, strawberry.lazy("schema.types.approvals")] | None = (
        strawberry.field(
            default=None,
            description="With an adjustPoints above the approval limit: the request it waits "
            "for; the points change when it is approved.",
        )
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
