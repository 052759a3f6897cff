"""Per-request dataloaders of the risk area (ARCHITECTURE.md, No N+1): a page of incidents loads
its timelines, task forces, notice counts and every person they name in one batch of five
queries; a page of internal audits loads its sampled cases in one."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from strawberry.dataloader import DataLoader

from domain.models import Account, AuditSample, Incident, IncidentEvent
from domain.risk import audits, incidents


@dataclass(frozen=True)
class IncidentDetails:
    events: list[IncidentEvent]
    members: list[int]
    notices: int
    people: dict[int, Account]


def incident_details_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        events, members, notices = await incidents.details_of(ids)
        rows = await Incident.filter(id__in=sorted(set(ids)) or [0]).only(
            "id", "reported_by_account_id", "lead_account_id", "spokesperson_account_id",
            "resolved_by_account_id",
        )
        wanted = {m for rows_ in members.values() for m in rows_}
        wanted |= {e.actor_account_id for rows_ in events.values() for e in rows_}
        for row in rows:
            wanted |= {
                row.reported_by_account_id,
                row.lead_account_id,
                row.spokesperson_account_id,
                row.resolved_by_account_id,
            }
        wanted.discard(None)
        people = {a.id: a for a in await Account.filter(id__in=sorted(wanted))} if wanted else {}
        return [
            IncidentDetails(events.get(i, []), members.get(i, []), notices.get(i, 0), people)
            for i in ids
        ]

    return info.context.loader("risk.incident_details", lambda: DataLoader(load_fn=load))


def audit_samples_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]) -> list[list[AuditSample]]:
        found = await audits.samples_of(ids)
        return [found.get(i, []) for i in ids]

    return info.context.loader("risk.audit_samples", lambda: DataLoader(load_fn=load))
