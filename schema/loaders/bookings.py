"""Per-request dataloaders of the booking area: the nested fields of a booking (its room type,
guest, member, room, refunds, change requests and cancellation quote, and a change's approval)
load in one query per batch through the domain's batch readers, so a page of bookings costs the
same number of queries whatever its length (ARCHITECTURE.md, No N+1; P3.1.1-P3.1.5).

Each loader yields ORM rows; the GraphQL types map them, so the mapping stays in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from domain.bookings import cancellation_quotes as quotes_of
from domain.bookings import queries
from domain.models import ApprovalRequest, Booking, Room
from schema.loaders.at_once import prime, selected_under

Batch = Callable[[Sequence[int]], Awaitable[dict[int, Any]]]


def _loader(info: strawberry.Info, name: str, batch: Batch, default: Any = None) -> DataLoader:
    async def load(keys: list[int]) -> list[Any]:
        found = await batch(keys)
        return [found.get(key, default) for key in keys]

    return info.context.loader(f"bookings.{name}", lambda: DataLoader(load_fn=load))


async def _rooms_by_ids(ids: Sequence[int]) -> dict[int, Room]:
    return {row.id: row for row in await Room.filter(id__in=list(set(ids)))}


async def _approvals_by_ids(ids: Sequence[int]) -> dict[int, ApprovalRequest]:
    return {row.id: row for row in await ApprovalRequest.filter(id__in=list(set(ids)))}


def room_types(info: strawberry.Info) -> DataLoader:
    return _loader(info, "room_types", queries.room_types_by_ids)


def guest_profiles(info: strawberry.Info) -> DataLoader:
    return _loader(info, "guest_profiles", queries.guest_profiles_by_ids)


def members(info: strawberry.Info) -> DataLoader:
    return _loader(info, "members", queries.members_by_ids)


def rooms(info: strawberry.Info) -> DataLoader:
    return _loader(info, "rooms", _rooms_by_ids)


def refunds(info: strawberry.Info) -> DataLoader:
    return _loader(info, "refunds", queries.refunds_by_booking_ids, default=[])


def change_requests(info: strawberry.Info) -> DataLoader:
    return _loader(info, "change_requests", queries.change_requests_by_booking_ids, default=[])


def approval_requests(info: strawberry.Info) -> DataLoader:
    return _loader(info, "approval_requests", _approvals_by_ids)


def cancellation_quotes(info: strawberry.Info) -> DataLoader:
    """Quotes keyed by the booking rows themselves (the rules read the row, not only its id)."""

    async def load(rows: list[Booking]) -> list[Any]:
        found = await quotes_of(rows)
        return [found.get(row.id) for row in rows]

    return info.context.loader(
        "bookings.cancellation_quotes",
        lambda: DataLoader(load_fn=load, cache_key_fn=lambda row: row.id),
    )


async def prime_page(info: strawberry.Info, rows: Sequence[Booking]) -> None:
    """Load what the selection asks of a page of bookings (`edges.node` or `nodes`), one batch
    per relation, and the caller's access to personal data when guests or members are asked,
    so every booking of the page resolves without a task of its own (`at_once`)."""
    from schema.privacy import disclosures

    wanted = selected_under(info, ("edges", "node"), ("nodes",))
    loads = []
    if "roomType" in wanted:
        loads.append((room_types(info), [row.room_type_id for row in rows]))
    if "room" in wanted:
        loads.append((rooms(info), [row.room_id for row in rows if row.room_id is not None]))
    if "guest" in wanted:
        loads.append((guest_profiles(info), [row.guest_id for row in rows]))
    if "member" in wanted:
        loads.append((members(info), [row.member_id for row in rows if row.member_id is not None]))
    await prime(*loads)
    if "guest" in wanted or "member" in wanted:
        await disclosures(info)
