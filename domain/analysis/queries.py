"""Reading the monthly analysis (P3.1.8, P6.1.2): a member's recommendations and behaviour as
of the latest finished month, and a pseudonymous listing for analysts.

Ownership is decided here: a caller whose grant reaches only their own records (a guest) reads
only the membership of their own account. Nothing read here carries contact details: a member
appears by member number only. Recommendations are shown only while the member consents to
MARKETING (a withdrawal counts from the next request).
"""

from __future__ import annotations

import datetime as dt

from authz.identity import Identity
from domain import consents
from domain.analysis.explain import Explained, explain
from domain.analysis.runs import latest_month
from domain.errors import DomainError, ErrorCode
from domain.models import ConsentPurpose, MemberBehaviour, Recommendation, RoomType


def _check_owner(identity: Identity, member_id: int, own_only: bool) -> None:
    if own_only and identity.member_id != member_id:
        raise DomainError(
            ErrorCode.FORBIDDEN, "You may read only your own recommendations.", "memberId"
        )


async def _month(month: dt.date | None) -> dt.date | None:
    return month or await latest_month()


async def recommendations(
    identity: Identity, member_id: int, *, own_only: bool, lang: str | None = None
) -> list[Explained]:
    """The member's recommendations of the latest finished month, best first."""
    _check_owner(identity, member_id, own_only)
    # Personalised offers are marketing: none without the member's current consent, and none
    # from the request after a withdrawal (PIPL Art. 24, P6.1.2).
    if not await consents.has(ConsentPurpose.MARKETING, member_id=member_id):
        return []
    month = await latest_month()
    if month is None:
        return []
    behaviour = await MemberBehaviour.get_or_none(member_id=member_id, month=month)
    if behaviour is None:
        return []
    rows = await Recommendation.filter(member_id=member_id, month=month).order_by("rank")
    room_types = {rt.id: rt for rt in await RoomType.all()}
    return [explain(row, behaviour, room_types, lang) for row in rows]


async def behaviour(
    identity: Identity, member_id: int, month: dt.date | None = None, *, own_only: bool
) -> MemberBehaviour | None:
    """The member's behaviour row of `month` (default: the latest finished one)."""
    _check_owner(identity, member_id, own_only)
    chosen = await _month(month)
    if chosen is None:
        return None
    return (
        await MemberBehaviour.filter(member_id=member_id, month=chosen)
        .select_related("member", "preferred_room_type")
        .first()
    )


async def listing(
    month: dt.date | None = None,
    *,
    main_channel: str | None = None,
    room_type_id: int | None = None,
):
    """Behaviour rows of a month (default: the latest finished), by member id, as a query."""
    chosen = await _month(month)
    query = MemberBehaviour.filter(month=chosen or dt.date.min).select_related(
        "member", "preferred_room_type"
    )
    if main_channel:
        query = query.filter(main_channel=main_channel)
    if room_type_id is not None:
        query = query.filter(preferred_room_type_id=room_type_id)
    return query
