"""Meetings: schedule, cancel, list mine; minutes, resolutions, sign-offs and action items
(P3.2.6, P4.2.1-P4.2.6, P7.1.3). Managers see every meeting; other staff see the meetings they
are invited to and the action items they own."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import meetings
from domain.errors import DomainError
from domain.models import ActionItem as ActionItemRow
from domain.models import Meeting as MeetingRow
from domain.models import Resolution as ResolutionRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, run_self_audited
from schema.types.errors import user_errors
from schema.types.meetings import (
    ActionItem,
    ActionItemFilter,
    ActionItemPayload,
    CancelMeetingInput,
    CompleteActionItemInput,
    Meeting,
    MeetingFilter,
    MeetingPayload,
    MinutesPayload,
    MinutesVersion,
    Resolution,
    ScheduleMeetingInput,
    SignOffResolutionInput,
    SignOffResolutionPayload,
    SubmitMinutesInput,
)
from schema.types.relay import Connection, paged, parse_global_id


async def list_meetings(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: MeetingFilter | None = None,
) -> Connection[Meeting]:
    f = filter or MeetingFilter()
    mine = f.only_mine or access_of(info, "meeting", "read") == Access.OWN
    criteria = meetings.MeetingFilter(
        kind=f.kind.value if f.kind else None,
        starts_from=f.starts_from,
        starts_before=f.starts_before,
        include_cancelled=f.include_cancelled,
        participant_account_id=info.context.identity.id if mine else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: meetings.list_meetings(criteria, first=size, after_id=after_id),
        Meeting.of,
    )


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


async def submit_minutes(info: strawberry.Info, input: SubmitMinutesInput) -> MinutesPayload:
    try:
        meeting_id = parse_global_id(input.meeting_id, "Meeting", "meetingId")
    except DomainError as refusal:
        return MinutesPayload(errors=user_errors(refusal))
    resolutions = [
        meetings.NewResolution(
            text=r.text,
            action_items=[
                meetings.NewActionItem(
                    description=i.description,
                    owner_email=i.owner_email,
                    important=i.important,
                    due_at=i.due_at,
                )
                for i in r.action_items
            ],
        )
        for r in input.resolutions
    ]
    row, errors = await run_self_audited(
        lambda: meetings.submit_minutes(
            info.context.actor, meeting_id, input.text, final=input.final, resolutions=resolutions
        )
    )
    if errors:
        return MinutesPayload(errors=errors)
    meeting = await MeetingRow.get(id=meeting_id)
    return MinutesPayload(minutes=MinutesVersion.of(row), meeting=Meeting.of(meeting))


async def sign_off_resolution(
    info: strawberry.Info, input: SignOffResolutionInput
) -> SignOffResolutionPayload:
    try:
        resolution_id = parse_global_id(input.resolution_id, "Resolution", "resolutionId")
    except DomainError as refusal:
        return SignOffResolutionPayload(errors=user_errors(refusal))
    _, errors = await run_self_audited(
        lambda: meetings.sign_off(info.context.actor, resolution_id, input.passphrase)
    )
    if errors:
        return SignOffResolutionPayload(errors=errors)
    return SignOffResolutionPayload(
        resolution=Resolution.of(await ResolutionRow.get(id=resolution_id))
    )


async def complete_action_item(
    info: strawberry.Info, input: CompleteActionItemInput
) -> ActionItemPayload:
    async def work():
        item_id = parse_global_id(input.action_item_id, "ActionItem", "actionItemId")
        return await meetings.complete_item(info.context.actor, item_id, input.note)

    row, errors = await run_audited(info, "completeActionItem", "ActionItem", work)
    return ActionItemPayload(action_item=row and ActionItem.of(row), errors=errors)


async def list_action_items(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ActionItemFilter | None = None,
) -> Connection[ActionItem]:
    f = filter or ActionItemFilter()
    mine = f.only_mine or access_of(info, "action_item", "read") == Access.OWN
    criteria = meetings.ActionItemFilter(
        owner_account_id=info.context.identity.id if mine else None,
        status=f.status,
        overdue=f.overdue,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: meetings.list_action_items(criteria, first=size, after_id=after_id),
        ActionItem.of,
    )


@register("ActionItem", "action_item")
async def _action_item_node(info: strawberry.Info, pk: int, access) -> ActionItem | None:
    row = await ActionItemRow.get_or_none(id=pk)
    if row is None or (access == Access.OWN and row.owner_account_id != info.context.identity.id):
        return None
    return ActionItem.of(row)


@register("Resolution", "meeting")
async def _resolution_node(info: strawberry.Info, pk: int, access) -> Resolution | None:
    row = await ResolutionRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await meetings.is_invited(
        row.meeting_id, info.context.identity.id
    ):
        return None
    return Resolution.of(row)


@register("Meeting", "meeting")
async def _meeting_node(info: strawberry.Info, pk: int, access) -> Meeting | None:
    row = await MeetingRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await meetings.is_invited(pk, info.context.identity.id):
        return None
    return Meeting.of(row)
