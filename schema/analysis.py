"""The analysis area's root fields (P3.1.8): recommendations, a member's behaviour and the
pseudonymous member analysis. Guests read their own recommendations; analysts and the staff
who serve members read the analysis, never contact details (P6.1.2)."""

from __future__ import annotations

import strawberry

from resolvers import analysis
from schema.permissions import requires
from schema.types.analysis import MemberBehaviour, Recommendation
from schema.types.relay import Connection


@strawberry.type
class AnalysisQuery:
    recommendations: list[Recommendation] = strawberry.field(
        resolver=analysis.recommendations,
        extensions=[requires("recommendation", "read")],
        description="A member's ranked recommendations of the latest analysed month, with the "
        "reasons in the caller's language (P3.1.8). Guests: their own membership only.",
    )
    member_behaviour: MemberBehaviour | None = strawberry.field(
        resolver=analysis.member_behaviour,
        extensions=[requires("member_analysis", "read")],
        description="A member's consumption behaviour in a month (P3.1.8).",
    )
    member_analysis: Connection[MemberBehaviour] = strawberry.field(
        resolver=analysis.member_analysis,
        extensions=[requires("member_analysis", "read")],
        description="Every analysed member's behaviour in a month, by member number only.",
    )
