"""The numbers the department's goals are measured by (P1.2), over any period, by channel or by
staff member, with progress against the goals' baselines and targets (policy parameters).

**Booking conversion rate**: of the inquiries recorded in the period (hotel-local days, both
ends included), the share that became a booking (status CONVERTED), in percent. Inquiries still
OPEN count in the denominator: an inquiry not converted is not a conversion. The short-term
goal (P1.2) raises it by `conversion_uplift_target_percent` *relative to* the baseline
`conversion_rate_baseline_percent`: target = baseline x (1 + uplift / 100).

**Repeat-purchase rate**: of the customers with a purchased stay (a booking CONFIRMED, CHECKED_IN
or CHECKED_OUT, i.e. not pending, cancelled or a no-show) whose check-in falls in the period,
the share who had purchased an earlier stay (one with an earlier check-in date, in or before the
period), in percent. A customer is the member the booking is for; for a non-member, the guest's
e-mail address, else their phone number (compared through their blind indexes, never in clear).
By channel / staff member, a customer counts in each group where they have a stay in the period
(staff: the staff account that took the booking). The long-term goal raises it from
`repeat_rate_baseline_percent` to `repeat_rate_target_percent`.

**Progress** = (actual - baseline) / (target - baseline) x 100: 0 at the baseline, 100 when the
target is reached (it may be negative or above 100); null when there is nothing to measure.

Set-based SQL only: one GROUP BY over the inquiries, one over the purchased stays per grouping
(and one for the period's total, since a customer may count in several groups), one for the
staff members' names. Nothing loops over rows in Python beyond the grouped answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.functions import Count

from domain.clock import require_supported_day
from domain.errors import DomainError, ErrorCode
from domain.inquiries.queries import local_day_start, staff_names_by_ids
from domain.inquiries.states import InquiryStatus
from domain.models import Inquiry
from domain.policy_params import params

MAX_PERIOD_DAYS = 3 * 366 + 1  # the long-term goal's three years, and a day to spare
PURCHASED = ("CONFIRMED", "CHECKED_IN", "CHECKED_OUT")
HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


class StatsGrouping(StrEnum):
    CHANNEL = "CHANNEL"
    STAFF = "STAFF"


@dataclass(frozen=True)
class GroupStats:
    key: str | None  # the channel, or the staff account's id; None: taken by no staff member
    staff_account_id: int | None
    staff_name: str | None
    inquiries: int
    converted: int
    lost: int
    customers: int
    repeat_customers: int

    @property
    def open(self) -> int:
        return self.inquiries - self.converted - self.lost

    @property
    def conversion_rate_percent(self) -> Decimal | None:
        return _percent(self.converted, self.inquiries)

    @property
    def repeat_rate_percent(self) -> Decimal | None:
        return _percent(self.repeat_customers, self.customers)


@dataclass(frozen=True)
class GoalProgress:
    baseline_percent: Decimal
    target_percent: Decimal
    actual_percent: Decimal | None
    progress_percent: Decimal | None


@dataclass(frozen=True)
class ConversionStats:
    period_from: dt.date
    period_to: dt.date
    group_by: StatsGrouping
    groups: list[GroupStats]
    total: GroupStats
    conversion_goal: GoalProgress
    repeat_purchase_goal: GoalProgress


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(PLACES, ROUND_HALF_UP)


def _progress(baseline: Decimal, target: Decimal, actual: Decimal | None) -> GoalProgress:
    progress = None
    if actual is not None and target != baseline:
        progress = ((actual - baseline) * HUNDRED / (target - baseline)).quantize(
            PLACES, ROUND_HALF_UP
        )
    return GoalProgress(baseline.quantize(PLACES), target.quantize(PLACES), actual, progress)


def check_period(period_from: dt.date, period_to: dt.date) -> None:
    require_supported_day(period_from, "period.from")
    require_supported_day(period_to, "period.to")
    if period_to < period_from:
        raise DomainError(ErrorCode.INVALID, "The period ends before it starts.", "period.to")
    if (period_to - period_from).days >= MAX_PERIOD_DAYS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"A period covers at most {MAX_PERIOD_DAYS} days.",
            "period.to",
        )


async def _inquiry_counts(
    period_from: dt.date, period_to: dt.date, grouping: StatsGrouping
) -> dict[str | None, tuple[int, int, int]]:
    """group -> (inquiries, converted, lost) recorded in the period: one GROUP BY."""
    column = "channel" if grouping == StatsGrouping.CHANNEL else "taken_by_account_id"
    rows = (
        await Inquiry.filter(
            created_at__gte=local_day_start(period_from),
            created_at__lt=local_day_start(period_to + dt.timedelta(days=1)),
        )
        .annotate(
            inquiries=Count("id"),
            converted=Count("id", _filter=Q(status=InquiryStatus.CONVERTED.value)),
            lost=Count("id", _filter=Q(status=InquiryStatus.LOST.value)),
        )
        .group_by(column)
        .values(column, "inquiries", "converted", "lost")
    )
    return {
        (None if row[column] is None else str(row[column])): (
            row["inquiries"],
            row["converted"],
            row["lost"],
        )
        for row in rows
    }


# The purchased stays with their customer, and each customer's first purchased check-in.
# Every value spliced in is a date (ISO text) or a constant of this module, never input text.
_STAYS = """
WITH stays AS (
  SELECT b.check_in AS check_in, b.channel AS channel,
         CASE WHEN a.kind = 'STAFF' THEN b.created_by_account_id END AS staff_id,
         COALESCE('m' || CAST(b.member_id AS TEXT), 'e' || g.email_index,
                  'p' || g.phone_index) AS customer
  FROM booking b
  JOIN guest_profile g ON g.id = b.guest_id
  LEFT JOIN account a ON a.id = b.created_by_account_id
  WHERE b.status IN ({purchased}) AND b.check_in <= '{to}'
), firsts AS (
  SELECT customer, MIN(check_in) AS first_in FROM stays
  WHERE customer IS NOT NULL GROUP BY customer
)
SELECT {group} AS grp,
       COUNT(DISTINCT s.customer) AS customers,
       COUNT(DISTINCT CASE WHEN f.first_in < s.check_in THEN s.customer END) AS repeaters
FROM stays s JOIN firsts f ON f.customer = s.customer
WHERE s.check_in >= '{since}'
GROUP BY 1
"""


async def _repeat_counts(
    period_from: dt.date, period_to: dt.date, group: str
) -> dict[str | None, tuple[int, int]]:
    """group -> (customers, repeat customers) with a purchased stay in the period."""
    sql = _STAYS.format(
        purchased=", ".join(f"'{status}'" for status in PURCHASED),
        to=period_to.isoformat(),
        since=period_from.isoformat(),
        group=group,
    )
    rows = await Tortoise.get_connection("default").execute_query_dict(sql)
    return {
        (None if row["grp"] is None else str(row["grp"])): (
            int(row["customers"]),
            int(row["repeaters"]),
        )
        for row in rows
    }


async def conversion_stats(
    period_from: dt.date, period_to: dt.date, grouping: StatsGrouping
) -> ConversionStats:
    """Conversion and repeat-purchase rates over the period, per group and in total, with the
    P1.2 goals' progress measured on the total."""
    check_period(period_from, period_to)
    inquiries = await _inquiry_counts(period_from, period_to, grouping)
    group = "s.channel" if grouping == StatsGrouping.CHANNEL else "s.staff_id"
    repeats = await _repeat_counts(period_from, period_to, group)
    overall = await _repeat_counts(period_from, period_to, "'ALL'")
    staff = grouping == StatsGrouping.STAFF
    keys = sorted(
        set(inquiries) | set(repeats),
        key=lambda k: (k is None, (int(k) if staff else 0) if k else 0, k or ""),
    )
    names: dict[int, str] = {}
    if staff:
        names = await staff_names_by_ids([int(k) for k in keys if k is not None])

    def stats(key: str | None, counts: tuple[int, int, int], repeat: tuple[int, int]) -> GroupStats:
        staff_id = int(key) if staff and key is not None else None
        return GroupStats(
            key=key,
            staff_account_id=staff_id,
            staff_name=names.get(staff_id) if staff_id is not None else None,
            inquiries=counts[0],
            converted=counts[1],
            lost=counts[2],
            customers=repeat[0],
            repeat_customers=repeat[1],
        )

    groups = [stats(k, inquiries.get(k, (0, 0, 0)), repeats.get(k, (0, 0))) for k in keys]
    total_counts = tuple(sum(c[i] for c in inquiries.values()) for i in range(3))
    total = stats(None, total_counts, overall.get("ALL", (0, 0)))  # type: ignore[arg-type]

    conversion_baseline = await params.conversion_rate_baseline_percent
    uplift = await params.conversion_uplift_target_percent
    conversion_target = conversion_baseline * (1 + uplift / HUNDRED)
    return ConversionStats(
        period_from=period_from,
        period_to=period_to,
        group_by=grouping,
        groups=groups,
        total=total,
        conversion_goal=_progress(
            conversion_baseline, conversion_target, total.conversion_rate_percent
        ),
        repeat_purchase_goal=_progress(
            await params.repeat_rate_baseline_percent,
            await params.repeat_rate_target_percent,
            total.repeat_rate_percent,
        ),
    )
