"""The periods performance is measured over (P5.1): calendar months, quarters, half-years and
years of the hotel's local calendar, each with its first and last day and a label
("2026-11", "2026-Q4", "2026-H2", "2026")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class PeriodKind(StrEnum):
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    HALF = "HALF"
    YEAR = "YEAR"


MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        year = self.start.year
        if self.kind == PeriodKind.MONTH:
            return f"{year}-{self.start.month:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == PeriodKind.HALF:
            return f"{year}-H{(self.start.month - 1) // 6 + 1}"
        return str(year)

    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(kind: PeriodKind, day: dt.date) -> Period:
    """The period of `kind` that holds `day`."""
    span = MONTHS[kind]
    start = dt.date(day.year, (day.month - 1) // span * span + 1, 1)
    return Period(kind, start, _add_months(start, span) - dt.timedelta(days=1))
