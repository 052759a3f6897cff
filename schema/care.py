"""Root fields of the customer-care plan (P3.1.11): the annual plan and planning a campaign."""

from __future__ import annotations

import strawberry

from resolvers import care
from schema.permissions import requires
from schema.types.care import CareCampaign, CareCampaignPayload


@strawberry.type
class CareQuery:
    care_plan: list[CareCampaign] = strawberry.field(
        resolver=care.care_plan,
        extensions=[requires("care_campaign", "read")],
        description="The annual customer-care plan: the campaigns running in the year.",
    )


@strawberry.type
class CareMutation:
    plan_care_campaign: CareCampaignPayload = strawberry.mutation(
        resolver=care.plan_care_campaign,
        extensions=[requires("care_campaign", "plan")],
        description="Plan a birthday, holiday or other themed campaign, at least "
        "care_plan_lead_weeks ahead.",
    )
