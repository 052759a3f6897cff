"""Pricing a stay and the points that pay part of it (P3.1.2 member points, P3.1.4 re-pricing
on change). Money is Decimal to the cent; points pay `1 / points_per_cny` yuan each, rounded
down to the cent so points never pay more than they are worth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from domain import inventory
from domain.errors import DomainError, ErrorCode
from domain.inventory import NightPrice
from domain.models import RoomType
from domain.policy_params import params

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StayQuote:
    nightly_rates: list[NightPrice]
    gross_amount: Decimal  # the nights at their rates
    points_redeemed: int
    points_value: Decimal  # what the points pay
    total_amount: Decimal  # what the guest pays in money: gross minus points value
    currency: str


def points_value(points: int, points_per_cny: int) -> Decimal:
    return (Decimal(points) / Decimal(points_per_cny)).quantize(CENT, rounding=ROUND_DOWN)


async def quote_stay(
    room_type: RoomType,
    check_in: dt.date,
    check_out: dt.date,
    points: int = 0,
    *,
    points_field: str = "pointsToRedeem",
) -> StayQuote:
    if points < 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Points cannot be negative.", points_field)
    nightly = await inventory.price_stay(room_type, check_in, check_out)
    gross = sum((night.amount for night in nightly), Decimal("0.00"))
    value = Decimal("0.00")
    if points:
        value = points_value(points, await params.points_per_cny)
    if value > gross:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "The points are worth more than the stay costs.", points_field
        )
    return StayQuote(
        nightly_rates=nightly,
        gross_amount=gross,
        points_redeemed=points,
        points_value=value,
        total_amount=gross - value,
        currency=room_type.currency,
    )
