"""Regular meetings generated ahead (P4.2.1-P4.2.3, P7.1.3): each active series has its
occurrences created up to `meeting_schedule_ahead_days` ahead, participants derived from the
organisation as it is when the occurrence is created, and everyone told.

An occurrence is claimed by moving the series' `next_sequence` on with a conditional update
before it is created, in the same transaction: two jobs at once, or one killed and run again,
create each occurrence exactly once (the unique series + sequence key backs this up).
"""

from __future__ import annotations

import datetime as dt

from domain.actor import SYSTEM
from domain.clock import clock
from domain.meetings.creation import create
from domain.meetings.kinds import MeetingKind, Recurrence, duration, occurrence_start
from domain.models import Meeting, MeetingSeries
from domain.policy_params import params
from domain.unit_of_work import audited

MAX_PER_SERIES_RUN = 60  # a weekly series a year ahead, at most, per run


async def generate_ahead(series: MeetingSeries) -> list[Meeting]:
    """Create the series' occurrences due within the horizon (inside the caller's unit of work)."""
    horizon = clock.now() + dt.timedelta(days=await params.meeting_schedule_ahead_days)
    kind = MeetingKind(series.kind)
    recurrence = Recurrence(series.recurrence)
    created: list[Meeting] = []
    for _ in range(MAX_PER_SERIES_RUN):
        sequence = series.next_sequence
        starts_at = occurrence_start(
            series.first_starts_at, recurrence, sequence, clock.hotel_timezone
        )
        # The first occurrence of a new series is created however far ahead it is.
        if starts_at > horizon and (created or sequence > 0):
            break
        claimed = await MeetingSeries.filter(
            id=series.id, next_sequence=sequence, is_active=True
        ).update(next_sequence=sequence + 1)
        if not claimed:
            break
        series.next_sequence = sequence + 1
        if starts_at <= clock.now():
            continue  # an occurrence the series missed while it was not generated: skipped
        created.append(
            await create(
                kind,
                series.title,
                series.agenda,
                series.location,
                series.project_name,
                starts_at,
                await duration(kind, None),
                series.called_by_account_id,
                list(series.participant_ids or []),
                series=series,
                sequence=sequence,
            )
        )
    return created


def _next_start(series: MeetingSeries) -> dt.datetime:
    return occurrence_start(
        series.first_starts_at,
        Recurrence(series.recurrence),
        series.next_sequence,
        clock.hotel_timezone,
    )


async def generate_due() -> int:
    """The job: every active series whose next occurrence falls within the horizon gets it;
    a series with nothing due costs no transaction and leaves no audit entry."""
    horizon = clock.now() + dt.timedelta(days=await params.meeting_schedule_ahead_days)
    made = 0
    for series in await MeetingSeries.filter(is_active=True).order_by("id"):
        if _next_start(series) > horizon:
            continue

        async def work(series_id: int = series.id) -> int:
            fresh = await MeetingSeries.get(id=series_id)
            return len(await generate_ahead(fresh))

        made += await audited(SYSTEM, "generateMeetings", "MeetingSeries", work)
    return made
