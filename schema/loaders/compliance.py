"""Per-request dataloaders of the compliance area: the transfer guard over every guest profile a
partner token reaches in one request (one batch of a few queries, however many guests), and a
page of partners' assessments and tokens (P6.1.3)."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from authz.identity import Kind
from domain.compliance import partners


def transfer_refusals(info: strawberry.Info) -> DataLoader:
    """Guest profile id -> the code that withholds it from the calling partner, or None."""

    async def load(ids: list[int]) -> list[str | None]:
        refused = await partners.guard_transfer(info.context.actor, list(ids))
        return [refused.get(i) for i in ids]

    return info.context.loader("compliance.transfers", lambda: DataLoader(load_fn=load))


async def transfer_refusal(info: strawberry.Info, profile_id: int) -> str | None:
    if info.context.identity.kind != Kind.PARTNER:
        return None
    return await transfer_refusals(info).load(profile_id)


def assessments(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await partners.assessments_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("compliance.assessments", lambda: DataLoader(load_fn=load))


def tokens(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        found = await partners.tokens_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("compliance.tokens", lambda: DataLoader(load_fn=load))
