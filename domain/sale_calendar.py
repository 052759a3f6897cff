"""What the sale calendar (free rooms and nightly rate per room type and night) said lately, kept
in each process to answer `availability` without a statement (issue 12: availability is the
most asked question of the API, mostly by people browsing dates).

A night of a room type is kept as (when read, rooms free, rate or None for the base rate) once a
search read it. It is forgotten
- in every process when a committed change touches it (`domain.inventory` announces
  `calendar:<room type>:<first day>:<day after the last>` after each allocation, release,
  capacity or rate change, `calendar:<room type>` when every night may have changed, through
  `domain.broker.announce_change`): at once in the process that made the change, within
  milliseconds in the others through Redis;
- after `KEEP_SECONDS` in any case, which bounds what a lost announcement (Redis down, a change
  written behind the API's back) can cost.
Several API processes without Redis cannot hear each other, so they keep nothing.
A search that read the database while a change was announced does not keep what it read (the
generation moved), so an answer read before a commit never outlives that commit's announcement.

Availability is advice: the booking itself takes its nights with a guarded UPDATE
(`inventory.allocate`), so a search that is a few milliseconds behind another process's booking
never sells a night twice; it may show a room the booking then refuses with ROOM_UNAVAILABLE, as
any answer older than the next booking may.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from decimal import Decimal

from domain import broker

KEEP_SECONDS = 5.0
# A hotel sells a few dozen room types for a year or two ahead (50 types x 2 years = 36,500
# nights); past this everything kept is dropped, so a searcher walking every date cannot grow it.
MAX_NIGHTS = 50_000

Nights = dict[int, dict[dt.date, int]]
Rates = dict[int, dict[dt.date, Decimal]]


class SaleCalendar:
    def __init__(self) -> None:
        self._nights: dict[tuple[int, dt.date], tuple[float, int, Decimal | None]] = {}
        self.generation = 0
        # 0 keeps nothing: for a process that cannot hear the others' announcements (several
        # API processes without Redis, see `server.runtime`).
        self.keep_seconds = KEEP_SECONDS

    def read(
        self, room_type_ids: Sequence[int], days: Sequence[dt.date]
    ) -> tuple[Nights, Rates] | None:
        """Rooms free and rates set of every (room type, day), or None if any is not kept."""
        if self.keep_seconds <= 0:
            return None
        oldest = time.monotonic() - self.keep_seconds
        nights = self._nights
        free: Nights = {}
        rates: Rates = {}
        for room_type_id in room_type_ids:
            free_of, rates_of = free[room_type_id], rates[room_type_id] = {}, {}
            for day in days:
                kept = nights.get((room_type_id, day))
                if kept is None or kept[0] < oldest:
                    return None
                free_of[day] = kept[1]
                if kept[2] is not None:
                    rates_of[day] = kept[2]
        return free, rates

    def keep(
        self,
        room_type_ids: Sequence[int],
        days: Sequence[dt.date],
        free: Nights,
        rates: Rates,
        generation: int,
    ) -> None:
        """Keep what a search read, unless a change was announced since it began."""
        if generation != self.generation or self.keep_seconds <= 0:
            return
        if len(self._nights) + len(room_type_ids) * len(days) > MAX_NIGHTS:
            self._nights.clear()
        now = time.monotonic()
        for room_type_id in room_type_ids:
            free_of, rates_of = free[room_type_id], rates[room_type_id]
            for day in days:
                self._nights[(room_type_id, day)] = (
                    now, free_of.get(day, 0), rates_of.get(day)
                )

    def forget(self, subject: str) -> None:
        """A change hook: `calendar:<id>:<first>:<end>`, `calendar:<id>` or `calendar`."""
        kind, _, rest = subject.partition(":")
        if kind != "calendar":
            return
        self.generation += 1
        parts = rest.split(":") if rest else []
        try:
            room_type_id = int(parts[0]) if parts else None
            first = dt.date.fromisoformat(parts[1]) if len(parts) == 3 else None
            end = dt.date.fromisoformat(parts[2]) if len(parts) == 3 else None
        except ValueError:
            room_type_id = first = end = None
        if room_type_id is None:
            self._nights.clear()
        elif first is None or end is None or (end - first).days > 400:
            for key in [key for key in self._nights if key[0] == room_type_id]:
                del self._nights[key]
        else:
            day = first
            while day < end:
                self._nights.pop((room_type_id, day), None)
                day += dt.timedelta(days=1)

    def clear(self) -> None:
        self.forget("calendar")


calendar = SaleCalendar()
broker.change_hooks.append(calendar.forget)


def subject(room_type_id: int, days: Sequence[dt.date] | None = None) -> str:
    """The announcement for a change of these nights (all nights of the type without days)."""
    if not days:
        return f"calendar:{room_type_id}"
    end = max(days) + dt.timedelta(days=1)
    return f"calendar:{room_type_id}:{min(days).isoformat()}:{end.isoformat()}"
