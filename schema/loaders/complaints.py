"""Per-request dataloaders of the complaint area: a complaint's timeline and its booking's
number load in one query per batch, so a page of complaints costs the same number of queries
whatever its length (ARCHITECTURE.md, No N+1; P3.1.6)."""

from __future__ import annotations

from functools import partial

import strawberry
from strawberry.dataloader import DataLoader

from domain.complaints import queries


def events(info: strawberry.Info, *, public_only: bool) -> DataLoader:
    """Timelines keyed by complaint id; `public_only`: only the events a guest sees."""
    batch = partial(queries.events_by_complaint_ids, public_only=public_only)

    async def load(keys: list[int]) -> list[list]:
        found = await batch(keys)
        return [found.get(key, []) for key in keys]

    name = f"complaints.events.{'public' if public_only else 'all'}"
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def booking_numbers(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[int]) -> list[str | None]:
        found = await queries.booking_numbers_by_ids(keys)
        return [found.get(key) for key in keys]

    return info.context.loader("complaints.booking_numbers", lambda: DataLoader(load_fn=load))
