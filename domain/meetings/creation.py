"""Creating one meeting: the row, its participants and the notices, in the caller's unit of work
(P4.2, P4.2.6 notice to all concerned)."""

from __future__ import annotations

import datetime as dt

from domain.meetings import notices, participants
from domain.meetings.deadlines import minutes_due
from domain.meetings.kinds import MeetingKind
from domain.models import Meeting, MeetingSeries


async def create(
    kind: MeetingKind,
    title: str,
    agenda: str,
    location: str,
    project: str,
    starts_at: dt.datetime,
    length: dt.timedelta,
    chair_id: int | None,
    named: list[int],
    *,
    series: MeetingSeries | None,
    sequence: int | None,
) -> Meeting:
    draft_due, final_due = await minutes_due(starts_at + length)
    meeting = await Meeting.create(
        kind=kind.value,
        title=title,
        agenda=agenda,
        location=location,
        starts_at=starts_at,
        ends_at=starts_at + length,
        project_name=project,
        called_by_account_id=chair_id,
        series=series,
        sequence=sequence,
        minutes_draft_due_at=draft_due,
        minutes_final_due_at=final_due,
    )
    attending = await participants.resolve(kind, chair_id, named)
    await participants.seat(meeting, attending)
    await notices.announce(meeting, list(attending))
    return meeting
