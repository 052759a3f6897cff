"""Rooms, nightly rates and the inventory calendar; allocation of nights to bookings (P3.1.1,
P3.1.2 availability, P3.1.4 re-check on change).

The calendar is one `InventoryNight` row per room type and local date: `capacity` rooms, `sold`
of them held by bookings. A night without a row is not on sale. Allocation never reads then
writes: it is one conditional UPDATE for all the nights of a stay, ``sold = sold + 1 WHERE
room_type = ? AND date IN (...) AND sold < capacity``, checked by the dates it returns. On
PostgreSQL the rows are locked in ascending date order first (same order everywhere, so no
deadlocks) and row locks serialise competing updates; SQLite serialises writers on the database.
Either way two bookings can never both take the last room, and a night not taken raises
`ROOM_UNAVAILABLE`, rolling the whole booking back.

Rates are well-formed amounts (domain/money.py) above zero and at most `nightly_rate_max`, so a
slip of a few digits cannot price a stay beyond what the money columns hold.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tortoise.expressions import F

from domain import broker, money, sale_calendar
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import InventoryNight, NightlyRate, Room, RoomType
from domain.policy_params import params
from domain.sale_calendar import calendar
from domain.unit_of_work import when_committed

CENT = money.CENT


# ---- value objects ------------------------------------------------------------------------


@dataclass(frozen=True)
class NightPrice:
    date: dt.date
    amount: Decimal


@dataclass(frozen=True)
class RoomTypeAvailability:
    room_type: RoomType
    available: int  # rooms free on every night of the stay (the minimum over the nights)
    nightly_rates: list[NightPrice]
    total_amount: Decimal
    currency: str


# ---- stay dates ---------------------------------------------------------------------------


def stay_dates(check_in: dt.date, check_out: dt.date) -> list[dt.date]:
    """The nights of a stay: check-in date up to the day before check-out, ascending."""
    return [check_in + dt.timedelta(days=i) for i in range((check_out - check_in).days)]


async def validate_stay(
    check_in: dt.date,
    check_out: dt.date,
    *,
    in_field: str = "checkIn",
    out_field: str = "checkOut",
    allow_past_check_in: bool = False,
) -> None:
    """Check-out after check-in, not in the past (hotel-local today), at most max_stay_nights."""
    if check_out <= check_in:
        raise DomainError(ErrorCode.INVALID, "Check-out must be after check-in.", out_field)
    if not allow_past_check_in and check_in < clock.today():
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Check-in cannot be in the past.", in_field)
    max_nights = await params.max_stay_nights
    if (check_out - check_in).days > max_nights:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"A booking covers at most {max_nights} nights.",
            out_field,
        )


# ---- room types and rooms -----------------------------------------------------------------


# ---- the room type catalogue ---------------------------------------------------------------

# Room types change only when one is added (`create_room_type`: the demo seed, set-up), yet
# availability, bookings and their lists read them on every request. Each process keeps them
# for ROOM_TYPES_SECONDS (a type added by another process shows within that time; one added
# here shows at once), and a miss by id falls back to the database.
ROOM_TYPES_SECONDS = 5.0
_catalogue: tuple[float, dict[int, RoomType]] | None = None


def forget_room_types() -> None:
    """Read the room types again at the next use (after one is added, or a test's wipe)."""
    global _catalogue
    _catalogue = None


async def room_type_catalogue() -> dict[int, RoomType]:
    """Every room type, active or not, by id, in id order. The rows are shared: read only."""
    global _catalogue
    now = time.monotonic()
    if _catalogue is None or now - _catalogue[0] > ROOM_TYPES_SECONDS:
        rows = await RoomType.all().order_by("id")
        _catalogue = (now, {row.id: row for row in rows})
    return _catalogue[1]


async def room_types_by_ids(ids: Iterable[int]) -> dict[int, RoomType]:
    wanted = set(ids)
    catalogue = await room_type_catalogue()
    found = {i: catalogue[i] for i in wanted if i in catalogue}
    if len(found) < len(wanted):  # added by another process since the catalogue was read
        forget_room_types()
        catalogue = await room_type_catalogue()
        found = {i: catalogue[i] for i in wanted if i in catalogue}
    return found


async def room_type_of(booking) -> RoomType:
    """The room type a booking holds (the catalogue's shared row)."""
    return (await room_types_by_ids([booking.room_type_id]))[booking.room_type_id]


async def list_room_types(*, include_inactive: bool = False) -> list[RoomType]:
    query = RoomType.all() if include_inactive else RoomType.filter(is_active=True)
    return await query.order_by("id")


async def list_rooms(room_type_id: int | None = None, *, free_only: bool = False) -> list[Room]:
    """The hotel's active rooms, by number; `free_only` leaves out rooms with a guest in."""
    query = Room.filter(is_active=True)
    if room_type_id is not None:
        query = query.filter(room_type_id=room_type_id)
    if free_only:
        query = query.filter(current_booking_id=None)
    return await query.order_by("number")


async def get_room_type(room_type_id: int | str, field: str = "roomTypeId") -> RoomType:
    try:
        ident = int(room_type_id)
    except (TypeError, ValueError):
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such room type.", field) from None
    room_type = (await room_types_by_ids([ident])).get(ident)
    if room_type is None or not room_type.is_active:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such room type.", field)
    return room_type


async def _nightly_rate(value: Decimal | int | str, field: str) -> Decimal:
    """A rate of one night: a well-formed amount above zero, at most `nightly_rate_max`."""
    return money.check_bounds(
        money.parse_amount(value, field),
        field,
        minimum=CENT,
        maximum=await params.nightly_rate_max,
        what="A nightly rate",
    )


async def create_room_type(
    actor: Actor,
    *,
    code: str,
    name: str,
    capacity: int,
    base_rate: Decimal,
    currency: str = "CNY",
    description: str = "",
) -> RoomType:
    """Add a room type (call inside an audited unit of work)."""
    code = code.strip().upper()
    if not code or len(code) > 20:
        raise DomainError(ErrorCode.INVALID, "A room type code has 1 to 20 characters.", "code")
    if not name.strip():
        raise DomainError(ErrorCode.REQUIRED, "Name the room type.", "name")
    if not 1 <= capacity <= 20:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Capacity is 1 to 20 guests.", "capacity")
    currency = money.parse_currency(currency)
    if await RoomType.filter(code=code).exists():
        raise DomainError(ErrorCode.DUPLICATE, f"Room type {code} exists already.", "code")
    room_type = await RoomType.create(
        code=code,
        name=name.strip(),
        capacity=capacity,
        base_rate=await _nightly_rate(base_rate, "baseRate"),
        currency=currency,
        description=description,
    )
    forget_room_types()
    return room_type


async def add_rooms(
    actor: Actor, room_type_id: int, numbers: Sequence[str], *, floor: int = 1
) -> list[Room]:
    """Add physical rooms; every night already on sale from today gains that many rooms."""
    room_type = await get_room_type(room_type_id)
    clean = [n.strip() for n in numbers if n.strip()]
    if not clean or len(set(clean)) != len(clean):
        raise DomainError(ErrorCode.INVALID, "Give distinct room numbers.", "numbers")
    if await Room.filter(number__in=clean).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, "A room with one of these numbers exists.", "numbers"
        )
    rooms = [Room(number=n, room_type=room_type, floor=floor) for n in clean]
    await Room.bulk_create(rooms)
    await InventoryNight.filter(room_type_id=room_type.id, date__gte=clock.today()).update(
        capacity=F("capacity") + len(clean)
    )
    await _calendar_changed(room_type.id)
    return await Room.filter(number__in=clean).order_by("id")


async def active_room_count(room_type_id: int) -> int:
    return await Room.filter(room_type_id=room_type_id, is_active=True).count()


# ---- the calendar -------------------------------------------------------------------------


def _validate_range(start: dt.date, end: dt.date) -> None:
    if end <= start:
        raise DomainError(ErrorCode.INVALID, "The range ends after it starts.", "end")
    if (end - start).days > 3 * 366:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Set at most three years at once.", "end")


async def open_inventory(
    room_type_id: int, start: dt.date, end: dt.date, *, capacity: int | None = None
) -> int:
    """Put the nights [start, end) on sale. Rows that exist already are kept as they are
    (inserting ignores conflicts, so concurrent callers cannot create duplicates). Capacity
    defaults to the active rooms of the type. Returns the number of nights in the range."""
    _validate_range(start, end)
    if capacity is None:
        capacity = await active_room_count(room_type_id)
    rows = [
        InventoryNight(room_type_id=room_type_id, date=day, capacity=capacity, sold=0)
        for day in stay_dates(start, end)
    ]
    await InventoryNight.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    await _calendar_changed(room_type_id, [start, end - dt.timedelta(days=1)])
    return len(rows)


async def set_inventory_capacity(
    actor: Actor, room_type_id: int, start: dt.date, end: dt.date, capacity: int
) -> int:
    """Set the sellable rooms of [start, end). Refused when a night has sold more already."""
    await get_room_type(room_type_id)
    _validate_range(start, end)
    if capacity < 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Capacity cannot be negative.", "capacity")
    await open_inventory(room_type_id, start, end, capacity=capacity)
    in_range = InventoryNight.filter(room_type_id=room_type_id, date__gte=start, date__lt=end)
    if await in_range.filter(sold__gt=capacity).exists():
        raise DomainError(
            ErrorCode.CONFLICT, "Some nights have more rooms sold than that.", "capacity"
        )
    # The guard repeats in the UPDATE, so a booking committed meanwhile is never oversold.
    # `open_inventory` above announced these nights, and this UPDATE is in the same commit.
    changed = await in_range.filter(sold__lte=capacity).update(capacity=capacity)
    if changed != (end - start).days:
        raise DomainError(
            ErrorCode.CONFLICT, "Some nights have more rooms sold than that.", "capacity"
        )
    return changed


async def set_nightly_rates(
    actor: Actor, room_type_id: int, start: dt.date, end: dt.date, amount: Decimal
) -> int:
    """Price the nights [start, end) of a room type and put them on sale (an upsert, so it
    can be repeated). Returns the number of nights priced."""
    await get_room_type(room_type_id)
    _validate_range(start, end)
    price = await _nightly_rate(amount, "amount")
    days = stay_dates(start, end)
    await NightlyRate.bulk_create(
        [NightlyRate(room_type_id=room_type_id, date=day, amount=price) for day in days],
        ignore_conflicts=True,
        batch_size=500,
    )
    await NightlyRate.filter(room_type_id=room_type_id, date__gte=start, date__lt=end).update(
        amount=price
    )
    await open_inventory(room_type_id, start, end)  # announces these nights to every process
    return len(days)


async def price_stay(
    room_type: RoomType, check_in: dt.date, check_out: dt.date
) -> list[NightPrice]:
    """The rate of every night: the nightly rate where one is set, else the base rate."""
    rates = {
        rate.date: rate.amount
        for rate in await NightlyRate.filter(
            room_type_id=room_type.id, date__gte=check_in, date__lt=check_out
        )
    }
    return [
        NightPrice(day, Decimal(rates.get(day, room_type.base_rate)).quantize(CENT))
        for day in stay_dates(check_in, check_out)
    ]


# A stay's free rooms and nightly rates of several room types in one statement (issue 12):
# ('n', type, date, capacity - sold) per inventory night, ('r', type, date, amount) per rate.
_CALENDAR_POSTGRES = """
SELECT 'n', room_type_id, date, (capacity - sold)::numeric FROM inventory_night
WHERE room_type_id = ANY($1::int[]) AND date >= $2 AND date < $3
UNION ALL
SELECT 'r', room_type_id, date, amount FROM nightly_rate
WHERE room_type_id = ANY($1::int[]) AND date >= $2 AND date < $3"""
_CALENDAR_SQLITE = """
SELECT 'n', room_type_id, date, capacity - sold FROM inventory_night
WHERE room_type_id IN ({ids}) AND date >= ? AND date < ?
UNION ALL
SELECT 'r', room_type_id, date, amount FROM nightly_rate
WHERE room_type_id IN ({ids}) AND date >= ? AND date < ?"""


async def _calendar(ids: list[int], check_in: dt.date, check_out: dt.date) -> list:
    connection = InventoryNight._meta.db
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(_CALENDAR_POSTGRES, [ids, check_in, check_out])
    else:
        slots = ", ".join("?" for _ in ids)
        window = [check_in.isoformat(), check_out.isoformat()]
        _, rows = await connection.execute_query(
            _CALENDAR_SQLITE.format(ids=slots), [*ids, *window, *ids, *window]
        )
    return [tuple(row) for row in rows]


async def _read_calendar(
    ids: list[int], check_in: dt.date, check_out: dt.date
) -> tuple[dict[int, dict[dt.date, int]], dict[int, dict[dt.date, Decimal]]]:
    """Rooms free (nights on sale only) and rates set, by room type and day."""
    free: dict[int, dict[dt.date, int]] = {i: {} for i in ids}
    rates: dict[int, dict[dt.date, Decimal]] = {i: {} for i in ids}
    for kind, room_type_id, day, value in await _calendar(ids, check_in, check_out):
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        if kind == "n":
            free[room_type_id][day] = max(0, int(value))
        else:
            rates[room_type_id][day] = Decimal(str(value))
    return free, rates


async def _calendar_changed(room_type_id: int, days: Sequence[dt.date] | None = None) -> None:
    """Once the change commits, every process forgets what it kept of these nights (all of the
    type's nights without `days`)."""
    name = sale_calendar.subject(room_type_id, days)
    await when_committed(lambda: broker.announce_change(name))


async def availability(
    check_in: dt.date, check_out: dt.date, guests: int = 1
) -> list[RoomTypeAvailability]:
    """Per active room type that fits `guests`: rooms free on every night of the stay (0 when
    a night is sold out or not on sale), the nightly rates and the total. One query, none when
    this process keeps every night asked for (`domain.sale_calendar`)."""
    await validate_stay(check_in, check_out)
    if guests < 1:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "At least one guest.", "guests")
    room_types = [
        rt
        for rt in (await room_type_catalogue()).values()
        if rt.is_active and rt.capacity >= guests
    ]
    if not room_types:
        return []
    ids = [rt.id for rt in room_types]
    nights = stay_dates(check_in, check_out)
    broker.broker.follow_access_changes()  # so this process hears others' calendar changes
    kept = calendar.read(ids, nights)
    if kept is None:
        generation = calendar.generation
        free, rates = await _read_calendar(ids, check_in, check_out)
        calendar.keep(ids, nights, free, rates, generation)
    else:
        free, rates = kept
    result = []
    for rt in room_types:
        prices = [
            NightPrice(day, Decimal(rates[rt.id].get(day, rt.base_rate)).quantize(CENT))
            for day in nights
        ]
        available = min(free[rt.id].get(day, 0) for day in nights)
        result.append(
            RoomTypeAvailability(
                room_type=rt,
                available=available,
                nightly_rates=prices,
                total_amount=sum((p.amount for p in prices), Decimal("0.00")),
                currency=rt.currency,
            )
        )
    return result


# ---- allocation ---------------------------------------------------------------------------


# One statement for a stay's nights (issue 12): on PostgreSQL the rows are locked in date
# order first (`ORDER BY ... FOR UPDATE` locks in the sorted order), so two stays that overlap
# queue on their first common night instead of deadlocking, whatever plan the UPDATE gets; the
# guard `sold < capacity` is then evaluated on the locked, current rows. SQLite serialises
# writers, so the plain UPDATE is enough there. Both return the dates taken.
_ALLOCATE_POSTGRES = """
WITH locked AS (
  SELECT id FROM inventory_night WHERE room_type_id = $1 AND date = ANY($2::date[])
  ORDER BY date FOR UPDATE)
UPDATE inventory_night AS night SET sold = night.sold + 1 FROM locked
WHERE night.id = locked.id AND night.sold < night.capacity RETURNING night.date"""
_ALLOCATE_SQLITE = """
UPDATE inventory_night SET sold = sold + 1
WHERE room_type_id = ? AND date IN ({slots}) AND sold < capacity RETURNING date"""


async def allocate(room_type_id: int, dates: Iterable[dt.date], field: str = "roomTypeId") -> None:
    """Take one room of the type on each date, in one statement. Call inside the booking's
    transaction: on ROOM_UNAVAILABLE (the first night not taken) the others roll back with
    it."""
    days = sorted(set(dates))
    if not days:
        return
    connection = InventoryNight._meta.db
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(_ALLOCATE_POSTGRES, [room_type_id, days])
    else:
        _, rows = await connection.execute_query(
            _ALLOCATE_SQLITE.format(slots=", ".join("?" for _ in days)),
            [room_type_id, *(day.isoformat() for day in days)],
        )
    taken = {str(row[0])[:10] for row in rows}
    for day in days:
        if day.isoformat() not in taken:  # the first night not taken
            raise DomainError(
                ErrorCode.ROOM_UNAVAILABLE,
                f"No room of this type is available on {day.isoformat()}.",
                field,
            )
    await _calendar_changed(room_type_id, days)


_RELEASE_POSTGRES = """
WITH locked AS (
  SELECT id FROM inventory_night WHERE room_type_id = $1 AND date = ANY($2::date[])
  ORDER BY date FOR UPDATE)
UPDATE inventory_night AS night SET sold = night.sold - 1 FROM locked
WHERE night.id = locked.id AND night.sold > 0"""
_RELEASE_SQLITE = """
UPDATE inventory_night SET sold = sold - 1
WHERE room_type_id = ? AND date IN ({slots}) AND sold > 0"""


async def release(room_type_id: int, dates: Iterable[dt.date]) -> None:
    """Give back one room of the type on each date, in one statement (on PostgreSQL the rows
    are locked in date order first, like `allocate`, so the two cannot deadlock)."""
    days = sorted(set(dates))
    if not days:
        return
    connection = InventoryNight._meta.db
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(_RELEASE_POSTGRES, [room_type_id, days])
    else:
        await connection.execute_query(
            _RELEASE_SQLITE.format(slots=", ".join("?" for _ in days)),
            [room_type_id, *(day.isoformat() for day in days)],
        )
    await _calendar_changed(room_type_id, days)


async def reallocate(
    release_nights: Iterable[tuple[int, dt.date]],
    take_nights: Iterable[tuple[int, dt.date]],
    field: str = "roomTypeId",
) -> None:
    """Move a booking's hold from one set of (room type, date) nights to another in one pass.
    Nights in both sets are left alone (a shorter or later stay keeps its overlap whatever
    happens to the rest); the others are taken or given back in ascending (room type, date)
    order, the same order `allocate` locks in, so concurrent changes cannot deadlock."""
    old, new = set(release_nights), set(take_nights)
    for room_type_id, day in sorted(old ^ new):
        if (room_type_id, day) in new:
            await allocate(room_type_id, [day], field)
        else:
            await release(room_type_id, [day])
