"""Per-request dataloaders of the meetings area: a page of meetings loads its participants in
one query (ARCHITECTURE.md, No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import meetings


async def _participants(ids: list[int]):
    found = await meetings.participants_of(ids)
    return [found.get(i, []) for i in ids]


def participants_loader(info: strawberry.Info) -> DataLoader:
    return info.context.loader("meetings.participants", lambda: DataLoader(load_fn=_participants))
