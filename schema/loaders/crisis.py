"""Per-request dataloaders of the crisis area: a page of groups loads its members, its acts and
the people of both in one batch of three queries (ARCHITECTURE.md, No N+1). Loading the people
with them, rather than through the shared accounts loader one level deeper, keeps the count
fixed however the two lists' answers interleave."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from strawberry.dataloader import DataLoader

from domain import crisis
from domain.models import Account, CrisisAction, CrisisMember


@dataclass(frozen=True)
class GroupDetails:
    members: list[CrisisMember]
    actions: list[CrisisAction]
    people: dict[int, Account]


def details_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        members = await crisis.members_of(ids)
        actions = await crisis.actions_of(ids)
        wanted = {m.account_id for rows in members.values() for m in rows}
        wanted |= {a.account_id for rows in actions.values() for a in rows}
        people = {a.id: a for a in await Account.filter(id__in=sorted(wanted))} if wanted else {}
        return [GroupDetails(members.get(i, []), actions.get(i, []), people) for i in ids]

    return info.context.loader("crisis.details", lambda: DataLoader(load_fn=load))


def pending_approvals_loader(info: strawberry.Info) -> DataLoader:
    """Keyed by a group's matters (a tuple of approval kinds)."""

    async def load(keys: list[tuple[str, ...]]):
        found = await crisis.pending_for(keys)
        return [found.get(k, []) for k in keys]

    return info.context.loader("crisis.pending_approvals", lambda: DataLoader(load_fn=load))
