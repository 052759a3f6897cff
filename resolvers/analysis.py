"""The monthly member analysis through the API (P3.1.8): a member's ranked recommendations with
their reasons in the caller's language, a member's consumption behaviour, and the pseudonymous
listing analysts work from (P6.1.2: no contact details).

Ownership is the domain's: a guest (granted `read_own`) reads only their own membership's
recommendations; anyone else's is FORBIDDEN.
"""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain.analysis import parse_month, queries
from domain.errors import DomainError, ErrorCode
from domain.models import MemberBehaviour as BehaviourRow
from resolvers.nodes import register
from resolvers.support import access_of
from schema.types.analysis import MemberAnalysisFilter, MemberBehaviour, Recommendation
from schema.types.errors import ApiError, forbidden
from schema.types.relay import Connection, paginate, parse_global_id


def _refused(refusal: DomainError) -> ApiError:
    if refusal.code == ErrorCode.FORBIDDEN:
        return forbidden(refusal.message)
    return ApiError("BAD_REQUEST", refusal.message, field=refusal.field, reason=refusal.code)


async def recommendations(info: strawberry.Info, member_id: strawberry.ID) -> list[Recommendation]:
    """The member's recommendations of the latest analysed month, best first."""
    own_only = access_of(info, "recommendation", "read") == Access.OWN
    try:
        pk = parse_global_id(member_id, "Member", "memberId")
        found = await queries.recommendations(info.context.identity, pk, own_only=own_only)
    except DomainError as refusal:
        raise _refused(refusal) from None
    return [Recommendation.of(item) for item in found]


async def member_behaviour(
    info: strawberry.Info, member_id: strawberry.ID, month: str | None = None
) -> MemberBehaviour | None:
    """The member's behaviour in `month` (YYYY-MM; default the latest analysed month)."""
    own_only = access_of(info, "member_analysis", "read") == Access.OWN
    try:
        pk = parse_global_id(member_id, "Member", "memberId")
        chosen = parse_month(month) if month is not None else None
        row = await queries.behaviour(info.context.identity, pk, chosen, own_only=own_only)
    except DomainError as refusal:
        raise _refused(refusal) from None
    return row and MemberBehaviour.of(row)


async def member_analysis(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: MemberAnalysisFilter | None = None,
) -> Connection[MemberBehaviour]:
    """Behaviour rows of one month, by member number only (pseudonymous)."""
    try:
        month = parse_month(filter.month, "filter.month") if filter and filter.month else None
        room_type = (
            parse_global_id(filter.preferred_room_type_id, "RoomType", "filter.preferredRoomTypeId")
            if filter and filter.preferred_room_type_id
            else None
        )
    except DomainError as refusal:
        raise _refused(refusal) from None
    query = await queries.listing(
        month,
        main_channel=filter.main_channel.value if filter and filter.main_channel else None,
        room_type_id=room_type,
    )
    return await paginate(query, first, after, MemberBehaviour.of)


@register("MemberBehaviour", "member_analysis")
async def _behaviour_node(info: strawberry.Info, pk: int, access: Access) -> MemberBehaviour | None:
    if access != Access.ALL:
        return None
    row = await BehaviourRow.filter(id=pk).select_related("member", "preferred_room_type").first()
    return row and MemberBehaviour.of(row)
