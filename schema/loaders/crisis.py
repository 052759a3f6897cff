"""Per-request dataloaders of the crisis area: a page of groups loads its members and its acts
in one query each (ARCHITECTURE.md, No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import crisis


def members_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await crisis.members_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("crisis.members", lambda: DataLoader(load_fn=load))


def actions_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await crisis.actions_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("crisis.actions", lambda: DataLoader(load_fn=load))


def pending_approvals_loader(info: strawberry.Info) -> DataLoader:
    """Keyed by a group's matters (a tuple of approval kinds)."""

    async def load(keys: list[tuple[str, ...]]):
        found = await crisis.pending_for(keys)
        return [found.get(k, []) for k in keys]

    return info.context.loader("crisis.pending_approvals", lambda: DataLoader(load_fn=load))
