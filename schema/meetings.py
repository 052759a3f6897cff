"""Meeting fields of the root types (P4.2.1-P4.2.3, P4.2.6, P7.1.3)."""

from __future__ import annotations

import strawberry

from resolvers import meetings
from schema.permissions import requires
from schema.types.meetings import Meeting, MeetingPayload
from schema.types.relay import Connection


@strawberry.type
class MeetingQuery:
    meetings: Connection[Meeting] = strawberry.field(
        resolver=meetings.list_meetings, extensions=[requires("meeting", "read")]
    )


@strawberry.type
class MeetingMutation:
    schedule_meeting: MeetingPayload = strawberry.mutation(
        resolver=meetings.schedule_meeting, extensions=[requires("meeting", "schedule")]
    )
    cancel_meeting: MeetingPayload = strawberry.mutation(
        resolver=meetings.cancel_meeting, extensions=[requires("meeting", "schedule")]
    )
