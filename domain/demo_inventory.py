"""The demo hotel's rooms and rates (CONTRACT.md, Demo data): six room types, 72 rooms, a year
of nightly rates from today with weekend and season prices, and the inventory calendar that
puts those nights on sale (P3.1.1). Idempotent: a hotel that has room types is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain import inventory
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.models import InventoryNight, NightlyRate, Room, RoomType

# code, name, guests, base rate, rooms, floors
ROOM_TYPES = [
    ("STD", "Standard Queen", 2, Decimal("488.00"), 20, (2, 3)),
    ("TWN", "Standard Twin", 2, Decimal("528.00"), 16, (4, 5)),
    ("DLX", "Deluxe King", 2, Decimal("788.00"), 14, (6, 7)),
    ("FAM", "Family Room", 4, Decimal("968.00"), 10, (8,)),
    ("EXE", "Executive Suite", 3, Decimal("1688.00"), 8, (9,)),
    ("PRS", "Presidential Suite", 6, Decimal("8888.00"), 4, (10,)),
]


def demo_rate(base: Decimal, day: dt.date) -> Decimal:
    """Weekends (Friday, Saturday nights) +20%, July-August and the Golden Week +30%."""
    factor = Decimal("1")
    if day.weekday() in (4, 5):
        factor += Decimal("0.20")
    if day.month in (7, 8) or (day.month == 10 and day.day <= 7):
        factor += Decimal("0.30")
    return (base * factor).quantize(Decimal("1"))


async def seed_demo_inventory(actor: Actor = SYSTEM, *, days: int = 366) -> bool:
    """Create the demo room types, rooms, rates and calendar. Returns False when the hotel
    has room types already (nothing is changed then)."""
    if await RoomType.exists():
        return False
    start = clock.today()
    end = start + dt.timedelta(days=days)
    for code, name, capacity, base, count, floors in ROOM_TYPES:
        room_type = await inventory.create_room_type(
            actor, code=code, name=name, capacity=capacity, base_rate=base
        )
        numbers = []
        per_floor = -(-count // len(floors))
        for i in range(count):
            floor = floors[i // per_floor]
            numbers.append((floor, f"{floor}{(i % per_floor) + 1:02d}"))
        await Room.bulk_create([Room(number=n, room_type=room_type, floor=f) for f, n in numbers])
        await NightlyRate.bulk_create(
            [
                NightlyRate(room_type=room_type, date=day, amount=demo_rate(base, day))
                for day in inventory.stay_dates(start, end)
            ],
            batch_size=500,
        )
        await InventoryNight.bulk_create(
            [
                InventoryNight(room_type=room_type, date=day, capacity=count, sold=0)
                for day in inventory.stay_dates(start, end)
            ],
            batch_size=500,
        )
    return True
