"""Per-request dataloaders of the meetings area: a page of meetings loads its participants,
minutes, resolutions, their action items and sign-offs in one query each (ARCHITECTURE.md,
No N+1)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain import meetings, signatures
from domain.models import Meeting


async def _participants(ids: list[int]):
    found = await meetings.participants_of(ids)
    return [found.get(i, []) for i in ids]


def participants_loader(info: strawberry.Info) -> DataLoader:
    return info.context.loader("meetings.participants", lambda: DataLoader(load_fn=_participants))


def _grouped(name: str, batch):
    async def load(ids: list[int]):
        found = await batch(ids)
        return [found.get(i, []) for i in ids]

    return name, load


def minutes_loader(info: strawberry.Info) -> DataLoader:
    name, load = _grouped("meetings.minutes", meetings.minutes_of)
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def resolutions_loader(info: strawberry.Info) -> DataLoader:
    name, load = _grouped("meetings.resolutions", meetings.resolutions_of)
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def action_items_loader(info: strawberry.Info) -> DataLoader:
    name, load = _grouped("meetings.action_items", meetings.items_of)
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def carried_items_loader(info: strawberry.Info) -> DataLoader:
    name, load = _grouped("meetings.carried_items", meetings.carried_items)
    return info.context.loader(name, lambda: DataLoader(load_fn=load))


def sign_offs_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await signatures.signatures_of("Resolution", ids)
        return [found.get(str(i), []) for i in ids]

    return info.context.loader("meetings.sign_offs", lambda: DataLoader(load_fn=load))


def meetings_by_id_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = {m.id: m for m in await Meeting.filter(id__in=list(set(ids)))}
        return [found.get(i) for i in ids]

    return info.context.loader("meetings.by_id", lambda: DataLoader(load_fn=load))
