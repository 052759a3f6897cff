"""Types of the customer-care plan (P3.1.11): campaigns (birthday greetings, holiday perks and
other themes) with their delivery record per member, paged as a connection whose pages load
through `schema.loaders.care` (no query per campaign)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from domain import care
from schema.loaders import accounts_loader
from schema.loaders import bookings as booking_loaders
from schema.loaders import care as loaders
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row
from schema.types.members import Member
from schema.types.relay import Connection, connection, decode_cursor, page_size

CareCampaignKind = strawberry.enum(care.CampaignKind, name="CareCampaignKind")
CareCampaignStatus = strawberry.enum(care.CampaignStatus, name="CareCampaignStatus")
CareDeliveryStatus = strawberry.enum(care.DeliveryStatus, name="CareDeliveryStatus")


@strawberry.type(description="One member's message of one campaign, sent once (P3.1.11).")
class CareDelivery(relay.Node):
    id: relay.NodeID[int]
    status: CareDeliveryStatus
    send_on: dt.date
    channel: str | None = strawberry.field(description="EMAIL or SMS once sent.")
    sent_at: dt.datetime | None
    member_pk: strawberry.Private[int]

    @strawberry.field
    async def member(self, info: strawberry.Info) -> Member | None:
        row = await booking_loaders.members(info).load(self.member_pk)
        return row and Member.of(row)

    @classmethod
    def of(cls, row) -> CareDelivery:
        return from_row(cls, row, status=CareDeliveryStatus(row.status), member_pk=row.member_id)


@strawberry.type(description="The campaign's text in one language (P3.1.11).")
class CareCampaignTranslation:
    language: str = strawberry.field(description="en or zh-CN.")
    name: str
    message: str
    perk: str | None


@strawberry.type
class CareDeliveryCounts:
    pending: int
    sent: int
    skipped: int


@strawberry.type(
    description="A themed care activity of the annual plan (P3.1.11). A dated campaign sends "
    "on runOn; a birthday campaign greets each member on their birthday from runOn to endsOn."
)
class CareCampaign(relay.Node):
    id: relay.NodeID[int]
    kind: CareCampaignKind
    name: str
    message: str
    perk: str | None
    translations: list[CareCampaignTranslation] = strawberry.field(
        description="The text in other languages: a member whose account reads one of them "
        "gets it, every other member name, message and perk above."
    )
    run_on: dt.date
    ends_on: dt.date
    status: CareCampaignStatus
    created_at: dt.datetime
    planned_by_pk: strawberry.Private[int | None]

    @strawberry.field
    async def planned_by(self, info: strawberry.Info) -> Viewer | None:
        if self.planned_by_pk is None:
            return None
        account = await accounts_loader(info).load(self.planned_by_pk)
        return account and viewer_of_account(account)

    @strawberry.field(description="Deliveries by status, counted.")
    async def delivery_counts(self, info: strawberry.Info) -> CareDeliveryCounts:
        counts = await loaders.delivery_status_counts(info).load(self.id)
        return CareDeliveryCounts(
            pending=counts.get(care.DeliveryStatus.PENDING.value, 0),
            sent=counts.get(care.DeliveryStatus.SENT.value, 0),
            skipped=counts.get(care.DeliveryStatus.SKIPPED.value, 0),
        )

    @strawberry.field(description="The delivery record per member, newest first.")
    async def deliveries(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: CareDeliveryStatus | None = None,
    ) -> Connection[CareDelivery]:
        size = page_size(first)
        after_id = decode_cursor(after) if after else None
        wanted = status.value if status is not None else None
        rows = await loaders.delivery_pages(info, size + 1, after_id, wanted).load(self.id)
        counter = loaders.delivery_counts(info, wanted)
        campaign = self.id

        async def count() -> int:
            return await counter.load(campaign)

        return connection(
            rows[:size],
            has_next=len(rows) > size,
            count=count,
            after=after,
            to_node=CareDelivery.of,
        )

    @classmethod
    def of(cls, row) -> CareCampaign:
        return from_row(
            cls,
            row,
            kind=CareCampaignKind(row.kind),
            status=CareCampaignStatus(row.status),
            perk=row.perk or None,
            translations=[
                CareCampaignTranslation(
                    language=language,
                    name=text["name"],
                    message=text["message"],
                    perk=text.get("perk") or None,
                )
                for language, text in sorted((row.translations or {}).items())
            ],
            planned_by_pk=row.planned_by_account_id,
        )


@strawberry.input
class CareCampaignTranslationInput:
    language: str = strawberry.field(description="A supported language: en or zh-CN.")
    name: str
    message: str
    perk: str | None = strawberry.field(
        default=None, description="Required when the campaign has a perk, else not given."
    )


@strawberry.input
class PlanCareCampaignInput:
    kind: CareCampaignKind
    name: str
    message: str = strawberry.field(description="The greeting the members receive.")
    run_on: dt.date = strawberry.field(
        description="The sending day; for a birthday campaign the first day it covers. At "
        "least care_plan_lead_weeks ahead."
    )
    ends_on: dt.date | None = strawberry.field(
        default=None,
        description="Birthday campaigns only: the last day covered (default: a year).",
    )
    perk: str | None = strawberry.field(default=None, description="e.g. a room upgrade.")
    translations: list[CareCampaignTranslationInput] | None = strawberry.field(
        default=None,
        description="The text in other languages, at most one per language; each member gets "
        "the text of their account's language, else the text above.",
    )


@strawberry.type
class CareCampaignPayload:
    campaign: CareCampaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
