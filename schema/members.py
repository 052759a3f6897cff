"""The members area's root fields: the member list, tier progress, the membership terms and
the member mutations. Every field declares its permission; ownership (a guest's own
membership) is applied by the resolvers through the domain.

Policy: P3.1.2 (members and points), P3.1.10 (tiers on spend and nights), P6.1.2 (the
permission matrix: analysts read members pseudonymously), P6.1.3 (consent to the terms).
"""

from __future__ import annotations

import strawberry

from resolvers import members as member_resolvers
from schema.permissions import requires
from schema.types.members import Member, MemberPayload, MembershipTerms, TierProgress
from schema.types.relay import Connection


@strawberry.type
class MemberQuery:
    members: Connection[Member] = strawberry.field(
        resolver=member_resolvers.list_members,
        extensions=[requires("member", "list")],
        description="Members newest first, by tier, state, or name/phone/e-mail words. "
        "Analysts read members pseudonymously: no names, contact details or search by them.",
    )
    tier_progress: TierProgress = strawberry.field(
        resolver=member_resolvers.tier_progress,
        extensions=[requires("member", "read")],
        description="What is missing for the next tier over the trailing 12 months (P3.1.10); "
        "the caller's own membership when memberId is omitted.",
    )
    membership_terms: MembershipTerms = strawberry.field(
        resolver=member_resolvers.membership_terms,
        extensions=[requires("membership_terms", "read")],
        description="The membership terms and their version, accepted at registration.",
    )


@strawberry.type
class MemberMutation:
    register_member: MemberPayload = strawberry.mutation(
        resolver=member_resolvers.register_member,
        extensions=[requires("member", "register")],
        description="A guest account becomes a member, with consent to the membership terms "
        "(and optionally to marketing). A guest registers themself; staff name the guest's "
        "account by e-mail. Registering twice is DUPLICATE.",
    )
    adjust_points: MemberPayload = strawberry.mutation(
        resolver=member_resolvers.adjust_points,
        extensions=[requires("member", "adjust_points")],
        description="Add or take off points by hand with a reason; above the approval limit "
        "the change waits for an approval and applies when approved.",
    )
