"""Per-request dataloaders of the knowledge area: a page of notices loads its recipients'
delivery state, a page of procedures its versions and read state, a page of learning progress
its sessions and their procedures, each in a fixed number of queries (ARCHITECTURE.md, No N+1).
"""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import knowledge
from domain.models import Procedure


def deliveries_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await knowledge.notices.deliveries(list(set(ids)))
        return [found.get(i, []) for i in ids]

    return info.context.loader("knowledge.deliveries", lambda: DataLoader(load_fn=load))


def versions_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await knowledge.procedures.versions_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("knowledge.versions", lambda: DataLoader(load_fn=load))


def read_state_loader(info: strawberry.Info) -> DataLoader:
    viewer = info.context.actor.account_id

    async def load(ids: list[int]):
        rows = await Procedure.filter(id__in=list(set(ids)))
        found = await knowledge.procedures.read_states(rows, viewer)
        return [found.get(i) for i in ids]

    return info.context.loader("knowledge.read_state", lambda: DataLoader(load_fn=load))


def procedures_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = {p.id: p for p in await Procedure.filter(id__in=list(set(ids)))}
        return [found.get(i) for i in ids]

    return info.context.loader("knowledge.procedures", lambda: DataLoader(load_fn=load))


def sessions_loader(info: strawberry.Info) -> DataLoader:
    """Keyed by account id."""

    async def load(ids: list[int]):
        found = await knowledge.learning.sessions_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("knowledge.sessions", lambda: DataLoader(load_fn=load))
