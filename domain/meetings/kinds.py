"""What each kind of meeting is: how long it lasts, how often it recurs, and who attends
(P4.2.1-P4.2.3, P4.2.6, P7.1.3).

Attendance of the weekly and monthly meetings comes from the organisation's employment records
once the booking department has any (`participants._from_records`). Before that, and always for
the quarterly seminar, it follows roles: "the department" is its director, supervisors, booking
specialists, customer-service representatives and data analysts (P2.1); the monthly analysis
adds Finance and the other departments' representatives (P4.2.2: Finance and Engineering's
technical lead; marketing is part of the department, P1.1); "management" is the director, the
supervisors and the operations committee (P4.2.3). Joint-project and special meetings are
attended by the people named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.policy_params import params


class MeetingKind(StrEnum):
    WEEKLY_BUSINESS = "WEEKLY_BUSINESS"
    MONTHLY_OPERATIONS = "MONTHLY_OPERATIONS"
    QUARTERLY_STRATEGY = "QUARTERLY_STRATEGY"
    JOINT_PROJECT = "JOINT_PROJECT"
    SPECIAL = "SPECIAL"


class Recurrence(StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"


class MeetingStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


DEPARTMENT_ROLES = ("director", "supervisor", "booking_agent", "cs_rep", "data_analyst")
MANAGEMENT_ROLES = ("director", "supervisor", "committee")
# Who may call a meeting of each kind: the regular ones are the management's to schedule, a
# joint-project meeting also its interface person's, a special meeting any supervisor's.
CALLERS = {
    MeetingKind.WEEKLY_BUSINESS: ("director", "supervisor"),
    MeetingKind.MONTHLY_OPERATIONS: ("director", "supervisor"),
    MeetingKind.QUARTERLY_STRATEGY: ("director",),
    MeetingKind.JOINT_PROJECT: ("director", "supervisor", "tech_lead"),
    MeetingKind.SPECIAL: ("director", "supervisor"),
}


@dataclass(frozen=True)
class KindRule:
    recurrence: Recurrence | None
    attending_roles: tuple[str, ...]
    names_participants: bool  # the caller names who attends (joint project, special)


RULES = {
    MeetingKind.WEEKLY_BUSINESS: KindRule(Recurrence.WEEKLY, DEPARTMENT_ROLES, False),
    MeetingKind.MONTHLY_OPERATIONS: KindRule(
        Recurrence.MONTHLY, (*DEPARTMENT_ROLES, "finance", "tech_lead"), False
    ),
    MeetingKind.QUARTERLY_STRATEGY: KindRule(Recurrence.QUARTERLY, MANAGEMENT_ROLES, False),
    MeetingKind.JOINT_PROJECT: KindRule(Recurrence.WEEKLY, (), True),
    MeetingKind.SPECIAL: KindRule(None, (), True),
}


async def duration(kind: MeetingKind, requested_minutes: int | None) -> dt.timedelta:
    """The policy's length for the regular kinds; a special meeting lasts what its caller says."""
    hours: Decimal | None = {
        MeetingKind.WEEKLY_BUSINESS: await params.weekly_meeting_hours,
        MeetingKind.MONTHLY_OPERATIONS: await params.monthly_meeting_hours,
        MeetingKind.QUARTERLY_STRATEGY: await params.quarterly_seminar_hours,
        MeetingKind.JOINT_PROJECT: await params.joint_project_meeting_hours,
    }.get(kind)
    if hours is None:
        return dt.timedelta(minutes=requested_minutes or 60)
    return dt.timedelta(minutes=int(hours * 60))


def occurrence_start(first: dt.datetime, recurrence: Recurrence, sequence: int, tz) -> dt.datetime:
    """The `sequence`-th start of a series, at the same local wall-clock time (so a time-zone
    change of offset does not move the meeting), on the same weekday or day of month."""
    local = first.astimezone(tz)
    if recurrence == Recurrence.WEEKLY:
        day = local.date() + dt.timedelta(weeks=sequence)
    else:
        months = sequence * (1 if recurrence == Recurrence.MONTHLY else 3)
        year, month = divmod(local.month - 1 + months, 12)
        day = _clamped(local.year + year, month + 1, local.day)
    wall = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return wall.replace(tzinfo=tz).astimezone(dt.UTC)


def _clamped(year: int, month: int, day: int) -> dt.date:
    """The day of the month, or the month's last day when it is shorter (31 -> 30 April)."""
    for candidate in (day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day, candidate))
        except ValueError:
            continue
    raise ValueError("no valid day")  # unreachable: every month has a 28th
