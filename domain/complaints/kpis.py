"""Complaint KPIs per representative and for the team over a period (P3.1.6, P3.1.9; the
customer-service measures of P5.1.2: first-contact resolution, response time, satisfaction).

The period is a range of the hotel's local dates; a complaint counts in it by the day it was
filed, and for the representative who owns it (first-contact responsibility: a hand-over does
not move it). Measures:

- first-contact resolution rate: of the resolved complaints, the share the owner resolved
  without handing it over or the guest reopening it;
- response time: from filing to the first answer (average and median, hours), over the
  complaints answered so far;
- satisfaction after resolution: the average of the guests' ratings (1-5).

Set-based: one grouped aggregate query for the representatives, one for the team, one reading
only the response times for the medians (SQLite has no median aggregate).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.functions import Avg, Count

from domain.clock import clock, require_supported_day
from domain.errors import DomainError, ErrorCode
from domain.models import Complaint

MAX_PERIOD_DAYS = 366 * 3


@dataclass(frozen=True)
class KpiRow:
    account_id: int | None  # None: the team
    complaints: int
    resolved: int
    first_contact_resolved: int
    answered: int
    average_response_hours: float | None
    median_response_hours: float | None
    rated: int
    average_satisfaction: float | None

    @property
    def first_contact_resolution_rate(self) -> float | None:
        return round(self.first_contact_resolved / self.resolved, 4) if self.resolved else None


@dataclass(frozen=True)
class Kpis:
    start: dt.date
    end: dt.date
    team: KpiRow
    representatives: list[KpiRow]


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    require_supported_day(start, "period.start")
    require_supported_day(end, "period.end")
    if end < start:
        raise DomainError(ErrorCode.INVALID, "The period ends before it starts.", "period.end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "A period is at most three years.", "period.end")
    zone = clock.hotel_timezone
    low = dt.datetime.combine(start, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return low, high.astimezone(dt.UTC)


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600, 2)


_AGGREGATES = {
    "n": Count("id"),
    "resolved": Count("id", _filter=Q(status="RESOLVED")),
    "fcr": Count("id", _filter=Q(first_contact_resolved=True)),
    "answered": Count("id", _filter=Q(first_response_seconds__not_isnull=True)),
    "avg_response": Avg("first_response_seconds"),
    "rated": Count("id", _filter=Q(satisfaction_score__not_isnull=True)),
    "avg_score": Avg("satisfaction_score"),
}


def _row(account_id, values: dict, times: list[int]) -> KpiRow:
    return KpiRow(
        account_id=account_id,
        complaints=values.get("n") or 0,
        resolved=values.get("resolved") or 0,
        first_contact_resolved=values.get("fcr") or 0,
        answered=values.get("answered") or 0,
        average_response_hours=_hours(values.get("avg_response")),
        median_response_hours=_hours(statistics.median(times)) if times else None,
        rated=values.get("rated") or 0,
        average_satisfaction=(
            None if values.get("avg_score") is None else round(float(values["avg_score"]), 2)
        ),
    )


async def kpis(start: dt.date, end: dt.date, account_id: int | None = None) -> Kpis:
    """The KPIs of complaints filed from `start` to `end` (local dates, both included);
    `account_id` narrows the representatives to one."""
    low, high = _bounds(start, end)
    period = Complaint.filter(filed_at__gte=low, filed_at__lt=high)
    owned = period.filter(owner_account_id__not_isnull=True)
    if account_id is not None:
        owned = owned.filter(owner_account_id=account_id)
    per_rep = (
        await owned.annotate(**_AGGREGATES)
        .group_by("owner_account_id")
        .order_by("owner_account_id")
        .values("owner_account_id", *_AGGREGATES)
    )
    team_query = owned if account_id is not None else period
    team = await team_query.annotate(**_AGGREGATES).first().values(*_AGGREGATES)
    times: dict[int | None, list[int]] = {}
    for owner, seconds in await team_query.filter(
        first_response_seconds__not_isnull=True
    ).values_list("owner_account_id", "first_response_seconds"):
        times.setdefault(owner, []).append(seconds)
    return Kpis(
        start=start,
        end=end,
        team=_row(None, team or {}, [s for found in times.values() for s in found]),
        representatives=[
            _row(row["owner_account_id"], row, times.get(row["owner_account_id"], []))
            for row in per_rep
        ],
    )
