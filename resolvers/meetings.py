"""Meetings: schedule, cancel, list mine (P4.2.1-P4.2.3, P4.2.6, P7.1.3). Managers see every
meeting; other staff see the meetings they are invited to."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import meetings
from domain.models import Meeting as MeetingRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.meetings import (
    CancelMeetingInput,
    Meeting,
    MeetingFilter,
    MeetingPayload,
    ScheduleMeetingInput,
)
from schema.types.relay import Connection, connection, decode_cursor, page_size, parse_global_id


async def list_meetings(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: MeetingFilter | None = None,
) -> Connection[Meeting]:
    size = page_size(first)
    f = filter or MeetingFilter()
    mine = f.only_mine or access_of(info, "meeting", "read") == Access.OWN
    rows, has_next, count = await meetings.list_meetings(
        meetings.MeetingFilter(
            kind=f.kind.value if f.kind else None,
            starts_from=f.starts_from,
            starts_before=f.starts_before,
            include_cancelled=f.include_cancelled,
            participant_account_id=info.context.identity.id if mine else None,
        ),
        first=max(size, 1),
        after_id=decode_cursor(after) if after else None,
    )
    return connection(rows[:size], has_next=has_next, count=count, after=after, to_node=Meeting.of)


async def schedule_meeting(info: strawberry.Info, input: ScheduleMeetingInput) -> MeetingPayload:
    async def work():
        return await meetings.schedule(
            info.context.actor,
            meetings.NewMeeting(
                kind=meetings.MeetingKind(input.kind.value),
                title=input.title,
                starts_at=input.starts_at,
                agenda=input.agenda,
                location=input.location,
                participant_emails=list(input.participant_emails),
                duration_minutes=input.duration_minutes,
                recurring=input.recurring,
                project_name=input.project_name,
            ),
        )

    row, errors = await run_audited(info, "scheduleMeeting", "Meeting", work)
    return MeetingPayload(meeting=row and Meeting.of(row), errors=errors)


async def cancel_meeting(info: strawberry.Info, input: CancelMeetingInput) -> MeetingPayload:
    async def work():
        meeting_id = parse_global_id(input.meeting_id, "Meeting", "meetingId")
        return await meetings.cancel(
            info.context.actor, meeting_id, input.reason, whole_series=input.whole_series
        )

    row, errors = await run_audited(info, "cancelMeeting", "Meeting", work)
    return MeetingPayload(meeting=row and Meeting.of(row), errors=errors)


@register("Meeting", "meeting")
async def _meeting_node(info: strawberry.Info, pk: int, access) -> Meeting | None:
    row = await MeetingRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await meetings.is_invited(pk, info.context.identity.id):
        return None
    return Meeting.of(row)
