"""Who attends a meeting: the roles its kind names (P4.2.1-P4.2.3) plus the people its caller
names (joint projects, special meetings), always including the caller as chair."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.meetings.kinds import RULES, MeetingKind
from domain.models import Account, Meeting, MeetingParticipant
from domain.notifications import staff_with_roles

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
    if rule.attending_roles:
        ids |= set(await staff_with_roles(*rule.attending_roles))
    if rule.names_participants and not (ids - {chair_id}):
        raise DomainError(ErrorCode.REQUIRED, "Name who attends this meeting.", "participantEmails")
    attending = {account_id: "ATTENDEE" for account_id in ids}
    if chair_id is not None:
        attending[chair_id] = "CHAIR"
    return attending


async def seat(meeting: Meeting, attending: dict[int, str]) -> None:
    await MeetingParticipant.bulk_create(
        [
            MeetingParticipant(meeting_id=meeting.id, account_id=account_id, capacity=capacity)
            for account_id, capacity in sorted(attending.items())
        ]
    )
