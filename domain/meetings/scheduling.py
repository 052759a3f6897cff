"""Scheduling and cancelling meetings (P4.2.1-P4.2.3, P4.2.6, P7.1.3).

A meeting is in the future; a special meeting gives at least `special_meeting_notice_hours` of
notice to everyone concerned; the regular kinds last what the policy says and may recur, in
which case a series is created and its occurrences are generated `meeting_schedule_ahead_days`
ahead (here for the first ones, then by the `generate_meetings` job). Every participant is told
in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.meetings import notices, participants
from domain.meetings.creation import create
from domain.meetings.kinds import CALLERS, RULES, MeetingKind, MeetingStatus, duration
from domain.meetings.series import generate_ahead
from domain.models import Meeting, MeetingParticipant, MeetingSeries
from domain.policy_params import params

MAX_AHEAD = dt.timedelta(days=2 * 366)
LIMITS = {"title": 200, "location": 200, "agenda": 10_000, "project_name": 200, "reason": 500}


@dataclass
class NewMeeting:
    kind: MeetingKind
    title: str
    starts_at: dt.datetime
    agenda: str = ""
    location: str = ""
    participant_emails: list[str] = field(default_factory=list)
    duration_minutes: int | None = None
    recurring: bool = False
    project_name: str = ""


def _text(value: str | None, name: str, field_name: str, *, required: bool = False) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise DomainError(ErrorCode.REQUIRED, "Give the meeting a title.", field_name)
    if len(clean) > LIMITS[name]:
        raise DomainError(
            ErrorCode.TOO_LONG, f"{field_name} is at most {LIMITS[name]} characters.", field_name
        )
    return clean


def _may_call(actor: Actor, kind: MeetingKind) -> None:
    if not set(actor.identity.roles) & set(CALLERS[kind]):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Your role may not call a meeting of this kind.", "kind"
        )


async def _check_time(new: NewMeeting) -> None:
    now = clock.now()
    if new.starts_at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID, "Give the start time with its time zone.", "startsAt")
    if new.starts_at <= now:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "A meeting cannot be scheduled in the past.", "startsAt"
        )
    if new.starts_at - now > MAX_AHEAD:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "A meeting is scheduled at most two years ahead.", "startsAt"
        )
    if new.kind == MeetingKind.SPECIAL:
        notice = await params.special_meeting_notice_hours
        if new.starts_at - now < dt.timedelta(hours=notice):
            raise DomainError(
                ErrorCode.NOTICE_TOO_SHORT,
                f"A special meeting needs at least {notice} hours' notice.",
                "startsAt",
            )
    if new.duration_minutes is not None:
        if new.kind != MeetingKind.SPECIAL:
            raise DomainError(
                ErrorCode.INVALID,
                "Only a special meeting sets its own length: the others last what the policy says.",
                "durationMinutes",
            )
        if not 15 <= new.duration_minutes <= 8 * 60:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                "A special meeting lasts 15 minutes to 8 hours.",
                "durationMinutes",
            )
    if new.recurring and RULES[new.kind].recurrence is None:
        raise DomainError(ErrorCode.INVALID, "A special meeting does not recur.", "recurring")


async def schedule(actor: Actor, new: NewMeeting) -> Meeting:
    """Schedule one meeting, or a series and its first occurrences; returns the first."""
    _may_call(actor, new.kind)
    title = _text(new.title, "title", "title", required=True)
    agenda = _text(new.agenda, "agenda", "agenda")
    location = _text(new.location, "location", "location")
    project = _text(new.project_name, "project_name", "projectName")
    if new.kind == MeetingKind.JOINT_PROJECT and not project:
        raise DomainError(ErrorCode.REQUIRED, "Name the joint project.", "projectName")
    await _check_time(new)
    named = await participants.named_staff(new.participant_emails)
    # Checked now so a series with nobody to attend is refused before anything is written.
    await participants.resolve(new.kind, actor.account_id, named)
    if not new.recurring:
        return await create(
            new.kind,
            title,
            agenda,
            location,
            project,
            new.starts_at,
            await duration(new.kind, new.duration_minutes),
            actor.account_id,
            named,
            series=None,
            sequence=None,
        )
    series = await MeetingSeries.create(
        kind=new.kind.value,
        title=title,
        agenda=agenda,
        location=location,
        recurrence=RULES[new.kind].recurrence.value,
        first_starts_at=new.starts_at,
        project_name=project,
        participant_ids=named,
        called_by_account_id=actor.account_id,
    )
    first = await generate_ahead(series)
    return first[0]


async def cancel(actor: Actor, meeting_id: int, reason: str, *, whole_series: bool) -> Meeting:
    """Cancel a meeting that has not started (and, if asked, its series' later ones), telling
    everyone who was invited. Its caller or a director or supervisor may cancel it."""
    meeting = await Meeting.get_or_none(id=meeting_id)
    if meeting is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such meeting.", "meetingId")
    clean = _text(reason, "reason", "reason")
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, "Say why the meeting is cancelled.", "reason")
    managing = set(actor.identity.roles) & {"director", "supervisor"}
    if meeting.called_by_account_id != actor.account_id and not managing:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only its caller or a manager may cancel a meeting.", "meetingId"
        )
    if meeting.status != MeetingStatus.SCHEDULED or meeting.starts_at <= clock.now():
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Only a scheduled meeting that has not started can be cancelled.",
            "meetingId",
        )
    targets = [meeting]
    if whole_series and meeting.series_id is not None:
        await MeetingSeries.filter(id=meeting.series_id).update(is_active=False)
        targets = await Meeting.filter(
            series_id=meeting.series_id,
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=meeting.starts_at,
        ).order_by("starts_at")
    now = clock.now()
    for target in targets:
        # Conditional: a concurrent cancellation wins once, and only it sends the notices.
        taken = await Meeting.filter(id=target.id, status=MeetingStatus.SCHEDULED).update(
            status=MeetingStatus.CANCELLED, cancelled_at=now, cancel_reason=clean
        )
        if taken:
            target.status, target.cancelled_at, target.cancel_reason = (
                MeetingStatus.CANCELLED,
                now,
                clean,
            )
            invited = await MeetingParticipant.filter(meeting_id=target.id).values_list(
                "account_id", flat=True
            )
            await notices.announce_cancellation(target, list(invited))
    return await Meeting.get(id=meeting.id)
