"""Finding members (P3.1.2 members; P6.1.2 who sees whom): the member list with its filters
(tier, active, search by name, phone or e-mail through the keyed search terms of the guest
profile, never by decrypting), a guest's own membership, and batch readers for the nested
fields of a page of members (their booking history) so a page costs the same queries whatever
its length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from authz.identity import Identity, Kind
from domain.bookings.queries import matching_guests
from domain.errors import DomainError, ErrorCode
from domain.members.registration import TIERS
from domain.models import Booking, Member


@dataclass(frozen=True)
class MemberFilter:
    tier: Sequence[str] | None = None
    active: bool | None = None
    search: str | None = None  # words of the name, phone or e-mail


@dataclass(frozen=True)
class MemberPage:
    items: list[Member]
    has_next_page: bool
    matching: QuerySet[Member]

    async def total_count(self) -> int:
        return await self.matching.count()


def visible_members(identity: Identity) -> QuerySet[Member]:
    """Staff reach every member; a guest only their own membership; nobody else any."""
    if identity.kind in (Kind.STAFF, Kind.SYSTEM):
        return Member.all()
    if identity.kind == Kind.GUEST and identity.member_id is not None:
        return Member.filter(id=identity.member_id)
    return Member.filter(id__lt=0)


def apply_filter(query: QuerySet[Member], f: MemberFilter) -> QuerySet[Member]:
    if f.tier:
        unknown = [tier for tier in f.tier if tier not in TIERS]
        if unknown:
            raise DomainError(
                ErrorCode.INVALID, f"Tier is one of {', '.join(TIERS)}.", "filter.tier"
            )
        query = query.filter(tier__in=list(f.tier))
    if f.active is not None:
        query = query.filter(is_active=f.active)
    if f.search and f.search.strip():
        query = query.filter(guest_profile_id__in=Subquery(matching_guests(f.search).values("id")))
    return query


async def list_members(
    identity: Identity,
    f: MemberFilter | None = None,
    *,
    first: int = 50,
    after_id: int | None = None,
) -> MemberPage:
    """One page of members, newest first: one query, and one more for the total count."""
    matching = apply_filter(visible_members(identity), f or MemberFilter())
    query = matching if after_id is None else matching.filter(id__lt=after_id)
    first = max(1, min(first, 200))
    rows = await query.order_by("-id").limit(first + 1)
    return MemberPage(rows[:first], len(rows) > first, matching)


async def get_visible_member(identity: Identity, member_id: int) -> Member | None:
    return await visible_members(identity).filter(id=member_id).first()


async def bookings_by_member_ids(ids: Sequence[int]) -> dict[int, list[Booking]]:
    """Every booking of each member, newest first (one query for the whole page)."""
    found: dict[int, list[Booking]] = {key: [] for key in ids}
    for row in await Booking.filter(member_id__in=list(set(ids))).order_by("-id"):
        found[row.member_id].append(row)
    return found
