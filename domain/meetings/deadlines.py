"""When a meeting's minutes are due (P3.2.6, P4.2.4): the first draft `minutes_draft_hours`
after the meeting ends, the final version by the end of the next working day (Monday to Friday
in the hotel's calendar; public holidays are not modelled yet), never before the draft."""

from __future__ import annotations

import datetime as dt

from domain.clock import clock
from domain.policy_params import params


def next_working_day(day: dt.date) -> dt.date:
    following = day + dt.timedelta(days=1)
    while following.weekday() >= 5:
        following += dt.timedelta(days=1)
    return following


def end_of_day(day: dt.date) -> dt.datetime:
    """The local midnight that ends `day`, in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
    return midnight.replace(tzinfo=clock.hotel_timezone).astimezone(dt.UTC)


async def minutes_due(ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    draft = ends_at + dt.timedelta(hours=await params.minutes_draft_hours)
    final = end_of_day(next_working_day(clock.local(ends_at).date()))
    return draft, max(final, draft)
