"""Per-request dataloaders of the members area: a page of members loads its booking history
and tier history in one query per batch (ARCHITECTURE.md, No N+1; P3.1.2, P3.1.10)."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.dataloader import DataLoader

from domain.members import directory, history
from domain.models import TierChange


async def _tier_changes(ids: Sequence[int]) -> dict[int, list[TierChange]]:
    found: dict[int, list[TierChange]] = {key: [] for key in ids}
    for row in await TierChange.filter(member_id__in=list(set(ids))).order_by("-id"):
        found[row.member_id].append(row)
    return found


def _loader(info: strawberry.Info, name: str, batch) -> DataLoader:
    async def load(keys: list[int]) -> list:
        found = await batch(keys)
        return [found.get(key, []) for key in keys]

    return info.context.loader(f"members.{name}", lambda: DataLoader(load_fn=load))


def bookings(info: strawberry.Info) -> DataLoader:
    """Each member's bookings, newest first."""
    return _loader(info, "bookings", directory.bookings_by_member_ids)


def tier_changes(info: strawberry.Info) -> DataLoader:
    return _loader(info, "tier_changes", _tier_changes)


def points_movements(info: strawberry.Info, first: int, after_id: int | None) -> DataLoader:
    """Each member's newest `first` ledger movements after the cursor, with the count of all
    their movements (P3.1.2): one window query for the page of members."""

    async def load(keys: list[int]) -> list:
        found = await history.movement_pages(keys, first=first, after_id=after_id)
        return [found.get(key, ([], 0)) for key in keys]

    name = f"members.points_movements.{first}.{after_id}"
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def points_expiring(info: strawberry.Info) -> DataLoader:
    return _loader(info, "points_expiring", history.expiring)
