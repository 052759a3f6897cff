"""Who attends a meeting: the people its kind brings (P4.2.1-P4.2.3) plus the people its caller
names (joint projects, special meetings), always including the caller as chair.

The kind brings people from the organisation's employment records once the booking & customer
relationship department has any (`domain.organisation`): the weekly business meeting gathers
that department's active staff; the monthly operations analysis adds a representative of every
other department (those heading it by position; all its staff when it has no heading position,
as Marketing). Before the organisation is recorded (and in tests that record none) attendance
follows the roles of `kinds.RULES`. The quarterly seminar's management is defined by role."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.meetings.kinds import RULES, MeetingKind
from domain.models import Account, Employment, Meeting, MeetingParticipant
from domain.notifications import staff_with_roles

BOOKING_CRM = "BOOKING_CRM"

MAX_NAMED = 200


async def named_staff(emails: list[str], field: str = "participantEmails") -> list[int]:
    """Active staff accounts by e-mail, refusing the whole list if one is unknown."""
    wanted = sorted({e.strip().lower() for e in emails if e and e.strip()})
    if len(wanted) > MAX_NAMED:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"Name at most {MAX_NAMED} participants.", field)
    found = dict(
        await Account.filter(email__in=wanted, kind="STAFF", is_active=True).values_list(
            "email", "id"
        )
    )
    missing = [e for e in wanted if e not in found]
    if missing:
        address = missing[0][:254]
        raise DomainError(
            ErrorCode.NOT_FOUND,
            f"No active staff member has the e-mail address {address}.",
            field,
        )
    return [found[e] for e in wanted]


async def resolve(kind: MeetingKind, chair_id: int | None, named_ids: list[int]) -> dict[int, str]:
    """Account id -> capacity (CHAIR or ATTENDEE) for a meeting of `kind`."""
    rule = RULES[kind]
    ids = set(named_ids)
    recorded = await _from_records(kind)
    if recorded is not None:
        ids |= recorded
    elif rule.attending_roles:
        ids |= set(await staff_with_roles(*rule.attending_roles))
    if rule.names_participants and not (ids - {chair_id}):
        raise DomainError(ErrorCode.REQUIRED, "Name who attends this meeting.", "participantEmails")
    attending = {account_id: "ATTENDEE" for account_id in ids}
    if chair_id is not None:
        attending[chair_id] = "CHAIR"
    return attending


async def _from_records(kind: MeetingKind) -> set[int] | None:
    """Attendance of the weekly and monthly meetings from the employment records (P4.2.1,
    P4.2.2), or None when the booking department has none recorded (roles decide)."""
    if kind not in (MeetingKind.WEEKLY_BUSINESS, MeetingKind.MONTHLY_OPERATIONS):
        return None
    rows = await Employment.filter(active=True).values_list(
        "account_id", "department__code", "position__heads_department"
    )
    active = set(
        await Account.filter(
            id__in=[r[0] for r in rows] or [0], kind="STAFF", is_active=True
        ).values_list("id", flat=True)
    )
    staff: dict[str, set[int]] = {}
    heads: dict[str, set[int]] = {}
    for account_id, department, heading in rows:
        if account_id in active:
            staff.setdefault(department, set()).add(account_id)
            if heading:
                heads.setdefault(department, set()).add(account_id)
    if not staff.get(BOOKING_CRM):
        return None
    attending = set(staff[BOOKING_CRM])
    if kind == MeetingKind.MONTHLY_OPERATIONS:
        for department, people in staff.items():
            if department != BOOKING_CRM:
                attending |= heads.get(department) or people
    return attending


async def seat(meeting: Meeting, attending: dict[int, str]) -> None:
    await MeetingParticipant.bulk_create(
        [
            MeetingParticipant(meeting_id=meeting.id, account_id=account_id, capacity=capacity)
            for account_id, capacity in sorted(attending.items())
        ]
    )
