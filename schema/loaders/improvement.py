"""Per-request dataloaders of the improvement area: a page of proposals loads their
before-and-after figures in one query (ARCHITECTURE.md, No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import improvement
from domain.models import PolicyChange


def figures_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await improvement.figures.figures_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("improvement.figures", lambda: DataLoader(load_fn=load))


def policy_changes_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        rows = await PolicyChange.filter(review_id__in=ids).order_by("id")
        found: dict[int, list] = {}
        for row in rows:
            found.setdefault(row.review_id, []).append(row)
        return [found.get(i, []) for i in ids]

    return info.context.loader("improvement.policy_changes", lambda: DataLoader(load_fn=load))
