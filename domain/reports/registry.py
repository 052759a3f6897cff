"""Report sections and templates. A section is a named async builder that turns a report window
into key figures, tables and charts; areas register their sections here (bookings now, others
later) and each standard template (daily, weekly, monthly) includes every section registered
for its period, in order. No section knows about HTML.

Policy: P3.2.7 (X standard report formats built the same way).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from domain.i18n import N_
from domain.reports.periods import Period, Window

ALL_PERIODS = frozenset(Period)


@dataclass(frozen=True)
class Chart:
    """`kind` is "bar" (one bar per label) or "line" (one line per series over the labels)."""

    kind: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = ""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class SectionContent:
    figures: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    note: str = ""


Builder = Callable[[Window], Awaitable[SectionContent]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    build: Builder
    periods: frozenset[Period] = ALL_PERIODS


@dataclass(frozen=True)
class Template:
    period: Period
    title: str


TEMPLATES: dict[Period, Template] = {
    Period.DAILY: Template(Period.DAILY, N_("Daily report")),
    Period.WEEKLY: Template(Period.WEEKLY, N_("Weekly report")),
    Period.MONTHLY: Template(Period.MONTHLY, N_("Monthly report")),
}

_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a section (a section with the same key is replaced)."""
    _SECTIONS[section.key] = section
    return section


def unregister(key: str) -> Section | None:
    return _SECTIONS.pop(key, None)


def section(key: str, title: str, order: int, periods: frozenset[Period] = ALL_PERIODS):
    """Decorator form of `register` for an async builder function."""

    def decorate(build: Builder) -> Builder:
        register(Section(key, title, order, build, periods))
        return build

    return decorate


def sections_for(period: Period) -> list[Section]:
    return sorted(
        (s for s in _SECTIONS.values() if period in s.periods), key=lambda s: (s.order, s.key)
    )
