"""Per-request dataloaders of the inquiry area: the staff member who took an inquiry and the
booking it became load in one query per batch (ARCHITECTURE.md, No N+1; P3.1.1, P1.2). Room
types, guest profiles and members load through the booking area's loaders."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.dataloader import DataLoader

from domain.bookings import queries as booking_queries
from domain.inquiries import staff_names_by_ids


def _loader(info: strawberry.Info, name: str, batch) -> DataLoader:
    async def load(keys: Sequence[int]) -> list:
        found = await batch(keys)
        return [found.get(key) for key in keys]

    return info.context.loader(f"inquiries.{name}", lambda: DataLoader(load_fn=load))


def staff_names(info: strawberry.Info) -> DataLoader:
    return _loader(info, "staff_names", staff_names_by_ids)


def bookings(info: strawberry.Info) -> DataLoader:
    return _loader(info, "bookings", booking_queries.bookings_by_ids)
