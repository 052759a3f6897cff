"""The inquiry area's root fields: the inquiry list, the conversion statistics, and recording
an inquiry or marking one lost. Every field declares its permission; ownership (a guest's own
inquiries, a partner token's own records) is applied by the resolvers through the domain.

Policy: P3.1.1 (inquiry intake by every channel), P1.2 (booking conversion and repeat-purchase
goals), P6.1.2 (access-permission matrix: analysts read the aggregates, not the inquiries).
"""

from __future__ import annotations

import strawberry

from resolvers import inquiries as resolvers
from schema.permissions import requires
from schema.types.inquiries import ConversionStats, Inquiry, InquiryPayload
from schema.types.relay import Connection


@strawberry.type
class InquiryQuery:
    inquiries: Connection[Inquiry] = strawberry.field(
        resolver=resolvers.list_inquiries,
        extensions=[requires("inquiry", "read")],
        description="Newest first: all inquiries for staff who serve guests, their own for "
        "guests and partner tokens (P3.1.1).",
    )
    conversion_stats: ConversionStats = strawberry.field(
        resolver=resolvers.conversion_stats,
        extensions=[requires("conversion_stats", "read")],
        description="Booking conversion rate and repeat-purchase rate over a period, by channel "
        "or staff member, with progress towards the P1.2 goals. Aggregates only.",
    )


@strawberry.type
class InquiryMutation:
    record_inquiry: InquiryPayload = strawberry.mutation(
        resolver=resolvers.record_inquiry,
        extensions=[requires("inquiry", "create")],
        description="Record a customer's inquiry with its needs, taken by phone, online, walk-in "
        "or through a partner (P3.1.1).",
    )
    mark_inquiry_lost: InquiryPayload = strawberry.mutation(
        resolver=resolvers.mark_inquiry_lost,
        extensions=[requires("inquiry", "mark_lost")],
        description="Close an open inquiry that did not become a booking, with the reason (P1.2).",
    )
