"""Meeting fields of the root types: meetings, minutes, resolutions and action items (P3.2.6,
P4.2.1-P4.2.6, P7.1.3)."""

from __future__ import annotations

import strawberry

from resolvers import meetings as meeting_resolvers
from schema.permissions import requires
from schema.types.meetings import (
    ActionItem,
    ActionItemPayload,
    Meeting,
    MeetingPayload,
    MinutesPayload,
    SignOffResolutionPayload,
)
from schema.types.relay import Connection


@strawberry.type
class MeetingQuery:
    meetings: Connection[Meeting] = strawberry.field(
        resolver=meeting_resolvers.list_meetings, extensions=[requires("meeting", "read")]
    )
    action_items: Connection[ActionItem] = strawberry.field(
        resolver=meeting_resolvers.list_action_items, extensions=[requires("action_item", "read")]
    )


@strawberry.type
class MeetingMutation:
    schedule_meeting: MeetingPayload = strawberry.mutation(
        resolver=meeting_resolvers.schedule_meeting, extensions=[requires("meeting", "schedule")]
    )
    cancel_meeting: MeetingPayload = strawberry.mutation(
        resolver=meeting_resolvers.cancel_meeting, extensions=[requires("meeting", "schedule")]
    )
    submit_minutes: MinutesPayload = strawberry.mutation(
        resolver=meeting_resolvers.submit_minutes, extensions=[requires("meeting", "minute")]
    )
    sign_off_resolution: SignOffResolutionPayload = strawberry.mutation(
        resolver=meeting_resolvers.sign_off_resolution,
        extensions=[requires("action_item", "complete")],
    )
    complete_action_item: ActionItemPayload = strawberry.mutation(
        resolver=meeting_resolvers.complete_action_item,
        extensions=[requires("action_item", "complete")],
    )
