"""The one injectable clock. Tests move it instead of sleeping; everything that asks "what time
is it" asks here, so deadlines, grace periods and token expiries are all testable."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC


class Clock:
    """Wall clock in aware UTC, with an optional frozen/offset time for tests and simulations."""

    def __init__(self) -> None:
        self._frozen: dt.datetime | None = None
        self._offset = dt.timedelta(0)
        self._base_offset = dt.timedelta(0)
        self.hotel_timezone = ZoneInfo("Asia/Shanghai")

    def now(self) -> dt.datetime:
        if self._frozen is not None:
            return self._frozen
        return dt.datetime.now(UTC) + self._offset

    def today(self) -> dt.date:
        """The hotel's local calendar date (check-in nights, birthdays and report days)."""
        return self.now().astimezone(self.hotel_timezone).date()

    def freeze(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("the clock only holds aware datetimes")
        self._frozen = at.astimezone(UTC)

    def advance(self, delta: dt.timedelta) -> None:
        if self._frozen is not None:
            self._frozen += delta
        else:
            self._offset += delta

    def reset(self) -> None:
        self._frozen = None
        self._offset = self._base_offset

    def set_base_offset(self, offset: dt.timedelta) -> None:
        """Run the whole process this far from the wall clock (the development-only
        `CLOCK_OFFSET` setting, applied at start in every API and worker process alike), so a
        tester can watch deadlines pass. `reset()` returns to it rather than to zero."""
        self._base_offset = offset
        self._offset = offset

    @property
    def offset(self) -> dt.timedelta:
        """How far the unfrozen clock runs from the wall clock."""
        return self._offset

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.hotel_timezone)


clock = Clock()

# Hotel-local days the platform reasons about. Outside them a local midnight may have no UTC
# instant (year 1 east of Greenwich, year 9999's last day), so such a day is refused up front.
FIRST_SUPPORTED_DAY = dt.date(2000, 1, 1)
LAST_SUPPORTED_DAY = dt.date(9000, 12, 31)


def require_supported_day(day: dt.date, field: str) -> dt.date:
    """`day`, or a DomainError(OUT_OF_RANGE) when it lies outside the supported calendar."""
    if not FIRST_SUPPORTED_DAY <= day <= LAST_SUPPORTED_DAY:
        from domain.errors import DomainError, ErrorCode

        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"Days from {FIRST_SUPPORTED_DAY} to {LAST_SUPPORTED_DAY} are covered.",
            field,
        )
    return day


def utcnow() -> dt.datetime:
    """Module-level default for model timestamps (importable, so migrations can reference it)."""
    return clock.now()
