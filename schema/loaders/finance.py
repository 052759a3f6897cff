"""Per-request dataloaders of the finance area: a booking's ledger entries (P1.1), one query
per batch of bookings."""

from __future__ import annotations

import strawberry
from strawberry.dataloader import DataLoader

from domain.finance import settlement


def ledger_entries(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[int]) -> list[list]:
        found = await settlement.entries_by_booking_ids(keys)
        return [found.get(key, []) for key in keys]

    return info.context.loader("finance.ledger_entries", lambda: DataLoader(load_fn=load))
