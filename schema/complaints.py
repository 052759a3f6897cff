"""The complaint area's root fields (P3.1.6 first-contact responsibility and tiered handling,
P3.1.9 the 5+X rule). Every field declares its permission; ownership (a guest's own
complaints, the ones a booking agent recorded) is applied by the resolvers through the domain.
"""

from __future__ import annotations

import strawberry

from resolvers import complaints as resolvers
from schema.permissions import requires
from schema.types.complaints import Complaint, ComplaintKpis, ComplaintPayload
from schema.types.relay import Connection


@strawberry.type
class ComplaintQuery:
    complaints: Connection[Complaint] = strawberry.field(
        resolver=resolvers.list_complaints,
        extensions=[requires("complaint", "read")],
        description="Newest first: all for customer service, supervisors and directors; the "
        "ones they recorded for booking agents; their own for guests.",
    )
    complaint_kpis: ComplaintKpis = strawberry.field(
        resolver=resolvers.complaint_kpis,
        extensions=[requires("complaint_kpi", "read")],
        description="First-contact resolution, response times and satisfaction per "
        "representative and for the team, over complaints filed in the period (aggregates "
        "only). A bad period is a BAD_REQUEST error.",
    )


@strawberry.type
class ComplaintMutation:
    file_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.file_complaint,
        extensions=[requires("complaint", "file")],
        description="Record a complaint. Staff who handle complaints own what they record "
        "(first contact); one a guest files waits for customer service to take it.",
    )
    take_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.take_complaint,
        extensions=[requires("complaint", "take")],
        description="Take a complaint nobody owns yet: the caller owns it to the end.",
    )
    respond_to_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.respond_to_complaint,
        extensions=[requires("complaint", "respond")],
        description="Answer the guest; the first answer meets the response deadline.",
    )
    hand_over_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.hand_over_complaint,
        extensions=[requires("complaint", "hand_over")],
        description="Pass the handling to another representative; the owner stays "
        "accountable and the hand-over is on the timeline.",
    )
    join_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.join_complaint,
        extensions=[requires("complaint", "join")],
        description="A supervisor takes part (what a MAJOR complaint needs to be resolved).",
    )
    resolve_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.resolve_complaint,
        extensions=[requires("complaint", "resolve")],
        description="Resolve with a note. MAJOR: SUPERVISOR_REQUIRED until a supervisor "
        "has taken part.",
    )
    reopen_complaint: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.reopen_complaint,
        extensions=[requires("complaint", "reopen")],
        description="Reopen a resolved complaint within the reopening window.",
    )
    rate_complaint_resolution: ComplaintPayload = strawberry.mutation(
        resolver=resolvers.rate_complaint_resolution,
        extensions=[requires("complaint", "rate")],
        description="The guest rates the resolution once, 1 to 5.",
    )
