"""Reading meetings: a caller's own (those they were invited to) or, for managers, all of them,
in order of their start; and the participants of many meetings at once for a dataloader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from domain.meetings.kinds import MeetingStatus
from domain.models import Meeting, MeetingParticipant


@dataclass
class MeetingFilter:
    kind: str | None = None
    starts_from: dt.datetime | None = None
    starts_before: dt.datetime | None = None
    include_cancelled: bool = False
    participant_account_id: int | None = None  # only meetings this account was invited to


async def list_meetings(
    f: MeetingFilter, *, first: int, after_id: int | None
) -> tuple[list[Meeting], bool, Callable[[], Awaitable[int]]]:
    """In order of start (then id), keyset-paged after the meeting `after_id`."""
    query = Meeting.all()
    if f.kind:
        query = query.filter(kind=f.kind)
    if f.starts_from:
        query = query.filter(starts_at__gte=f.starts_from)
    if f.starts_before:
        query = query.filter(starts_at__lt=f.starts_before)
    if not f.include_cancelled:
        query = query.filter(status=MeetingStatus.SCHEDULED)
    if f.participant_account_id is not None:
        invited = MeetingParticipant.filter(account_id=f.participant_account_id)
        query = query.filter(id__in=Subquery(invited.values("meeting_id")))
    page = query
    if after_id is not None:
        mark = await Meeting.get_or_none(id=after_id).only("id", "starts_at")
        if mark is not None:
            page = query.filter(
                Q(starts_at__gt=mark.starts_at) | Q(starts_at=mark.starts_at, id__gt=mark.id)
            )
    rows = await page.order_by("starts_at", "id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def participants_of(meeting_ids: Sequence[int]) -> dict[int, list[MeetingParticipant]]:
    found: dict[int, list[MeetingParticipant]] = {i: [] for i in meeting_ids}
    rows = await MeetingParticipant.filter(meeting_id__in=list(set(meeting_ids))).order_by(
        "meeting_id", "id"
    )
    for row in rows:
        found[row.meeting_id].append(row)
    return found


async def is_invited(meeting_id: int, account_id: int | None) -> bool:
    if account_id is None:
        return False
    return await MeetingParticipant.filter(meeting_id=meeting_id, account_id=account_id).exists()
