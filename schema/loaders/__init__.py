"""Per-request dataloaders shared across areas, so nested fields never query row by row."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import approvals
from domain.models import Account


async def _accounts(ids: list[int]) -> list[Account | None]:
    found = {a.id: a for a in await Account.filter(id__in=list(set(ids)))}
    return [found.get(i) for i in ids]


async def _decisions(ids: list[int]):
    found = await approvals.decisions_for(ids)
    return [found.get(i, []) for i in ids]


def accounts_loader(info: strawberry.Info) -> DataLoader:
    return info.context.loader("accounts", lambda: DataLoader(load_fn=_accounts))


def approval_decisions_loader(info: strawberry.Info) -> DataLoader:
    return info.context.loader("approval_decisions", lambda: DataLoader(load_fn=_decisions))
