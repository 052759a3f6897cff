"""Per-request dataloaders of follow-ups and surveys (P3.1.7): the booking a follow-up or a
survey belongs to and a follow-up's survey load in one query per batch."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.dataloader import DataLoader

from domain.bookings import queries
from domain.models import SatisfactionSurvey


async def _surveys_by_booking(ids: Sequence[int]) -> dict[int, SatisfactionSurvey]:
    return {row.booking_id: row for row in await SatisfactionSurvey.filter(booking_id__in=ids)}


def _loader(info: strawberry.Info, name: str, batch) -> DataLoader:
    async def load(keys: list[int]) -> list:
        found = await batch(list(set(keys)))
        return [found.get(key) for key in keys]

    return info.context.loader(f"followups.{name}", lambda: DataLoader(load_fn=load))


def bookings(info: strawberry.Info) -> DataLoader:
    return _loader(info, "bookings", queries.bookings_by_ids)


def surveys_by_booking(info: strawberry.Info) -> DataLoader:
    return _loader(info, "surveys_by_booking", _surveys_by_booking)
