"""The customer-care plan through the API (P3.1.11): the annual plan of a year and planning a
campaign. Resolvers only: the rules (lead time, periods, sending) are in `domain.care`."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import care
from domain.errors import DomainError
from domain.models import CareCampaign as CampaignRow
from domain.models import CareDelivery as DeliveryRow
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.care import CareCampaign, CareCampaignPayload, CareDelivery, PlanCareCampaignInput
from schema.types.errors import ApiError


async def care_plan(info: strawberry.Info, year: int) -> list[CareCampaign]:
    try:
        query = care.plan_for_year(year)
    except DomainError as refusal:
        raise ApiError("BAD_REQUEST", refusal.message, field=refusal.field) from None
    return [CareCampaign.of(row) for row in await query]


async def plan_care_campaign(
    info: strawberry.Info, input: PlanCareCampaignInput
) -> CareCampaignPayload:
    async def work():
        return await care.plan(
            info.context.actor,
            kind=input.kind.value,
            name=input.name,
            message=input.message,
            run_on=input.run_on,
            ends_on=input.ends_on,
            perk=input.perk,
            translations=[
                care.Translation(
                    language=item.language, name=item.name, message=item.message, perk=item.perk
                )
                for item in input.translations or []
            ],
        )

    row, errors = await run_audited(info, "planCareCampaign", "CareCampaign", work)
    return CareCampaignPayload(campaign=row and CareCampaign.of(row), errors=errors)


@register("CareCampaign", "care_campaign")
async def _campaign_node(info: strawberry.Info, pk: int, access: Access) -> CareCampaign | None:
    row = await CampaignRow.get_or_none(id=pk)
    return row and CareCampaign.of(row)


@register("CareDelivery", "care_campaign")
async def _delivery_node(info: strawberry.Info, pk: int, access: Access) -> CareDelivery | None:
    row = await DeliveryRow.get_or_none(id=pk)
    return row and CareDelivery.of(row)
