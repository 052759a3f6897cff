"""Report periods as hotel-local date windows, and their submission deadlines.

A daily report covers one local day, a weekly report a Monday-to-Sunday week, a monthly report a
calendar month; `end` is exclusive. The deadline counts from the end of the period (local
midnight after its last day): `report_daily_deadline_hours` (24), `report_weekly_deadline_hours`
(48), `report_monthly_deadline_hours` (72).

Policy: P3.2.7 (submission deadlines of daily, weekly and monthly reports).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain import policy_params
from domain.documents.retention import local_midnight, next_month_start


class Period(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


DEADLINE_PARAMETER = {
    Period.DAILY: "report_daily_deadline_hours",
    Period.WEEKLY: "report_weekly_deadline_hours",
    Period.MONTHLY: "report_monthly_deadline_hours",
}


@dataclass(frozen=True)
class Window:
    period: Period
    start: dt.date
    end: dt.date  # exclusive

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]

    @property
    def label(self) -> str:
        if self.period == Period.DAILY:
            return self.start.isoformat()
        if self.period == Period.MONTHLY:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        last = self.end - dt.timedelta(days=1)
        return f"{self.start.isoformat()} to {last.isoformat()}"


def window(period: Period, day: dt.date) -> Window:
    """The window of `period` that contains `day`."""
    if period == Period.DAILY:
        return Window(period, day, day + dt.timedelta(days=1))
    if period == Period.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return Window(period, start, start + dt.timedelta(days=7))
    start = day.replace(day=1)
    return Window(period, start, next_month_start(start))


def last_completed(period: Period, today: dt.date) -> Window:
    """The most recent window that ended before `today` began."""
    current = window(period, today)
    return window(period, current.start - dt.timedelta(days=1))


async def due_at(target: Window) -> dt.datetime:
    hours = await policy_params.get(DEADLINE_PARAMETER[target.period])
    return target.end_at + dt.timedelta(hours=hours)
