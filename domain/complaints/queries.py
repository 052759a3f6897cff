"""Reading complaints: the list with its filters (ownership applied by `service.visible_to`),
and the batch readers the API's dataloaders use, so a page costs the same queries at any
length (P3.1.6, P6.1.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from authz.identity import Identity
from domain.complaints.service import visible_to
from domain.complaints.states import PUBLIC_EVENTS
from domain.models import Booking, ComplaintEvent


@dataclass(frozen=True)
class ComplaintFilter:
    status: Sequence[str] | None = None
    severity: Sequence[str] | None = None
    category: Sequence[str] | None = None
    mine_account_id: int | None = None  # owned or handled by this account
    unassigned: bool = False  # nobody has taken it yet
    escalated: bool | None = None
    booking_id: int | None = None


def matching(identity: Identity, f: ComplaintFilter, *, own_only: bool = False) -> QuerySet:
    query = visible_to(identity, own_only=own_only)
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.severity:
        query = query.filter(severity__in=list(f.severity))
    if f.category:
        query = query.filter(category__in=list(f.category))
    if f.mine_account_id is not None:
        query = query.filter(
            Q(owner_account_id=f.mine_account_id) | Q(handler_account_id=f.mine_account_id)
        )
    if f.unassigned:
        query = query.filter(owner_account_id=None)
    if f.escalated is True:
        query = query.filter(escalated_at__not_isnull=True)
    elif f.escalated is False:
        query = query.filter(escalated_at=None)
    if f.booking_id is not None:
        query = query.filter(booking_id=f.booking_id)
    return query


async def events_by_complaint_ids(
    ids: Sequence[int], *, public_only: bool
) -> dict[int, list[ComplaintEvent]]:
    """The timelines of many complaints in one query, oldest event first; only the events a
    guest sees with `public_only`."""
    query = ComplaintEvent.filter(complaint_id__in=list(set(ids)))
    if public_only:
        query = query.filter(kind__in=sorted(PUBLIC_EVENTS))
    found: dict[int, list[ComplaintEvent]] = {}
    for row in await query.order_by("id"):
        found.setdefault(row.complaint_id, []).append(row)
    return found


async def booking_numbers_by_ids(ids: Sequence[int]) -> dict[int, str]:
    rows = await Booking.filter(id__in=list(set(ids))).values_list("id", "number")
    return dict(rows)


async def get(identity: Identity, complaint_id: int, *, own_only: bool = False):
    return await visible_to(identity, own_only=own_only).get_or_none(id=complaint_id)
