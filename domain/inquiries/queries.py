"""Reading inquiries with ownership applied (P6.1.2): staff reach all of them (or, with a grant
limited to `_own`, the ones their account took), a guest reaches their own, a partner token
what it recorded, anyone else nothing. Lists are keyset-paged by id, newest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from authz.identity import Identity, Kind
from domain.clock import clock
from domain.models import Account, Inquiry


@dataclass(frozen=True)
class InquiryFilter:
    status: Sequence[str] | None = None
    channel: Sequence[str] | None = None
    taken_by_account_id: int | None = None  # the staff member who took it
    recorded_from: dt.date | None = None  # hotel-local day it was recorded, on or after
    recorded_to: dt.date | None = None  # on or before


@dataclass(frozen=True)
class InquiryPage:
    items: list[Inquiry]
    has_next_page: bool
    matching: QuerySet[Inquiry]

    async def total_count(self) -> int:
        return await self.matching.count()


def local_day_start(day: dt.date) -> dt.datetime:
    """The UTC moment a hotel-local day begins."""
    return dt.datetime.combine(day, dt.time(), clock.hotel_timezone).astimezone(dt.UTC)


def visible_inquiries(identity: Identity, *, own_only: bool = False) -> QuerySet[Inquiry]:
    if identity.kind in (Kind.STAFF, Kind.SYSTEM):
        return Inquiry.filter(taken_by_account_id=identity.id) if own_only else Inquiry.all()
    if identity.kind == Kind.GUEST and identity.id is not None:
        own = Q(guest_account_id=identity.id)
        if identity.member_id is not None:
            own |= Q(member_id=identity.member_id)
        return Inquiry.filter(own)
    if identity.kind == Kind.PARTNER and identity.id is not None:
        return Inquiry.filter(taken_by_token_id=identity.id)
    return Inquiry.filter(id__lt=0)


def apply_filter(query: QuerySet[Inquiry], f: InquiryFilter) -> QuerySet[Inquiry]:
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.channel:
        query = query.filter(channel__in=list(f.channel))
    if f.taken_by_account_id is not None:
        query = query.filter(taken_by_account_id=f.taken_by_account_id)
    if f.recorded_from is not None:
        query = query.filter(created_at__gte=local_day_start(f.recorded_from))
    if f.recorded_to is not None:
        query = query.filter(created_at__lt=local_day_start(f.recorded_to + dt.timedelta(1)))
    return query


async def list_inquiries(
    identity: Identity,
    filter: InquiryFilter | None = None,
    *,
    first: int = 50,
    after_id: int | None = None,
    own_only: bool = False,
) -> InquiryPage:
    """One page of the inquiries the identity may see, newest first: one query, and one more
    for `total_count()` when asked."""
    matching = apply_filter(
        visible_inquiries(identity, own_only=own_only), filter or InquiryFilter()
    )
    query = matching if after_id is None else matching.filter(id__lt=after_id)
    first = max(1, min(first, 200))
    rows = await query.order_by("-id").limit(first + 1)
    return InquiryPage(rows[:first], len(rows) > first, matching)


async def get_inquiry(
    identity: Identity, inquiry_id: int, *, own_only: bool = False
) -> Inquiry | None:
    return await visible_inquiries(identity, own_only=own_only).get_or_none(id=inquiry_id)


async def staff_names_by_ids(ids: Sequence[int]) -> dict[int, str]:
    """Display names of the staff accounts that took inquiries (one query per batch)."""
    rows = await Account.filter(id__in=list(set(ids)), kind="STAFF").only("id", "display_name")
    return {row.id: row.display_name for row in rows}
