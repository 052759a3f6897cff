"""Per-request dataloaders of the care plan (P3.1.11): the deliveries of a page of campaigns
(one window query per page size and cursor, whatever the number of campaigns), their counts,
and the members they went to."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import care


def delivery_pages(info: strawberry.Info, first: int, after_id: int | None, status: str | None):
    async def load(keys: list[int]) -> list:
        found = await care.delivery_pages(keys, first=first, after_id=after_id, status=status)
        return [found.get(key, []) for key in keys]

    name = f"care.delivery_pages.{first}.{after_id}.{status}"
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def delivery_counts(info: strawberry.Info, status: str | None) -> DataLoader:
    async def load(keys: list[int]) -> list:
        found = await care.delivery_counts(list(set(keys)), status)
        return [found.get(key, 0) for key in keys]

    return info.context.loader(f"care.delivery_counts.{status}", lambda: DataLoader(load_fn=load))


def delivery_status_counts(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[int]) -> list:
        found = await care.delivery_status_counts(list(set(keys)))
        return [found.get(key, {}) for key in keys]

    return info.context.loader("care.delivery_status_counts", lambda: DataLoader(load_fn=load))
