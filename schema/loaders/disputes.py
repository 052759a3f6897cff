"""Per-request dataloaders of the disputes area: a page of disputes loads its steps in one
query (ARCHITECTURE.md, No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import disputes


def events_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await disputes.events_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("disputes.events", lambda: DataLoader(load_fn=load))
