"""Meetings of the department (P4.2.1-P4.2.3, P4.2.6, P7.1.3): the weekly business meeting, the
monthly operations analysis, the quarterly strategy seminar, joint-project progress meetings and
special meetings; who attends, how long they last, the notices, and the recurring ones generated
ahead by a job. Minutes, resolutions and sign-offs (P4.2.4, P4.2.5) build on these rows."""

from domain.meetings.kinds import MeetingKind, MeetingStatus, Recurrence
from domain.meetings.queries import MeetingFilter, is_invited, list_meetings, participants_of
from domain.meetings.scheduling import NewMeeting, cancel, schedule
from domain.meetings.series import generate_due

__all__ = [
    "MeetingFilter",
    "MeetingKind",
    "MeetingStatus",
    "NewMeeting",
    "Recurrence",
    "cancel",
    "generate_due",
    "is_invited",
    "list_meetings",
    "participants_of",
    "schedule",
]
