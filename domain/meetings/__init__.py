"""Meetings of the department (P4.2.1-P4.2.3, P4.2.6, P7.1.3): the weekly business meeting, the
monthly operations analysis, the quarterly strategy seminar, joint-project progress meetings and
special meetings; who attends, how long they last, the notices, and the recurring ones generated
ahead by a job; minutes with their deadlines, resolutions with action items, electronic sign-off
by the people responsible, and overdue items carried to the next meeting (P3.2.6, P4.2.4,
P4.2.5)."""

from domain.meetings.follow_through import (
    ActionItemFilter,
    carried_items,
    complete_item,
    items_of,
    list_action_items,
    minutes_of,
    resolutions_of,
    sign_off,
    sweep,
)
from domain.meetings.kinds import MeetingKind, MeetingStatus, Recurrence
from domain.meetings.minutes import NewActionItem, NewResolution
from domain.meetings.minutes import submit as submit_minutes
from domain.meetings.queries import MeetingFilter, is_invited, list_meetings, participants_of
from domain.meetings.scheduling import NewMeeting, cancel, schedule
from domain.meetings.series import generate_due

__all__ = [
    "ActionItemFilter",
    "MeetingFilter",
    "MeetingKind",
    "MeetingStatus",
    "NewActionItem",
    "NewMeeting",
    "NewResolution",
    "Recurrence",
    "cancel",
    "carried_items",
    "complete_item",
    "generate_due",
    "is_invited",
    "items_of",
    "list_action_items",
    "list_meetings",
    "minutes_of",
    "participants_of",
    "resolutions_of",
    "schedule",
    "sign_off",
    "submit_minutes",
    "sweep",
]
