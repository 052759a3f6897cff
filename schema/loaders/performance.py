"""Per-request dataloaders of the performance area: the cycles of a list of rating tasks in
one query (ARCHITECTURE.md, No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain.models import EvaluationCycle


async def _cycles(ids: list[int]) -> list[EvaluationCycle | None]:
    found = {c.id: c for c in await EvaluationCycle.filter(id__in=sorted(set(ids)))}
    return [found.get(i) for i in ids]


def cycles_loader(info: strawberry.Info) -> DataLoader:
    return info.context.loader("performance.cycles", lambda: DataLoader(load_fn=_cycles))
