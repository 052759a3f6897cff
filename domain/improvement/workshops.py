"""Workshops for the top problems of each month's survey (P8.2): when a survey closes, its
`workshop_top_problems` most-named problem types each get a workshop (one per survey and
problem, so a rerun opens none twice); a director or supervisor gives it an owner and a due
date, then calls it as a special meeting through the meetings area (its notice rules apply)."""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.improvement.survey import ranking
from domain.meetings import scheduling as meetings
from domain.meetings.kinds import MeetingKind
from domain.models import Account, EmployeeSurvey, Workshop
from domain.policy_params import params


async def open_workshops(survey: EmployeeSurvey) -> int:
    """Open the workshops of a closed survey's top problems; returns how many were new."""
    top = (await ranking(survey.id))[: await params.workshop_top_problems]
    if not top:
        return 0
    existing = set(
        await Workshop.filter(survey_id=survey.id).values_list("problem_type", flat=True)
    )
    new = [
        Workshop(survey_id=survey.id, problem_type=p.problem_type, rank=p.rank, mentions=p.mentions)
        for p in top
        if p.problem_type not in existing
    ]
    if new:
        await Workshop.bulk_create(new)
    return len(new)


async def assign(actor: Actor, workshop_id: int, owner_email: str, due_on: dt.date) -> Workshop:
    workshop = await Workshop.get_or_none(id=workshop_id)
    if workshop is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such workshop.", "workshopId")
    if workshop.meeting_id is not None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The workshop has its meeting already.", "workshopId"
        )
    owner = await Account.get_or_none(
        email=(owner_email or "").strip().lower(), kind="STAFF", is_active=True
    )
    if owner is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, "No active staff member has that address.", "ownerEmail"
        )
    if due_on < clock.today():
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The due date is in the past.", "dueOn")
    await Workshop.filter(id=workshop.id).update(
        owner_account_id=owner.id, due_on=due_on, status="ASSIGNED"
    )
    return await Workshop.get(id=workshop.id)


async def open_due() -> int:
    """Open the workshops of every closed survey that has none yet (idempotent: the unique
    survey and problem pair, and existing ones skipped)."""
    opened = 0
    without = await EmployeeSurvey.filter(closed=True, workshops__id__isnull=True).distinct()
    for survey in without:
        try:
            opened += await open_workshops(survey)
        except IntegrityError:  # a concurrent run opened them
            continue
    return opened


async def schedule(
    actor: Actor,
    workshop_id: int,
    starts_at: dt.datetime,
    participant_emails: list[str],
    location: str,
    duration_minutes: int | None,
) -> Workshop:
    """Call the workshop as a special meeting (P4.2.3 notice rules apply) with its owner and the
    staff named; the meetings area checks the time, the notice and who may call it."""
    workshop = await Workshop.get_or_none(id=workshop_id)
    if workshop is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such workshop.", "workshopId")
    if workshop.owner_account_id is None:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "Give the workshop an owner first.", "workshopId"
        )
    if workshop.meeting_id is not None:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The workshop has its meeting already.", "workshopId"
        )
    owner = await Account.get(id=workshop.owner_account_id)
    meeting = await meetings.schedule(
        actor,
        meetings.NewMeeting(
            kind=MeetingKind.SPECIAL,
            title=f"Improvement workshop: {workshop.problem_type}",
            starts_at=starts_at,
            agenda=f"Find solutions to the staff survey's problem {workshop.problem_type}.",
            location=location,
            participant_emails=[owner.email, *participant_emails],
            duration_minutes=duration_minutes,
        ),
    )
    taken = await Workshop.filter(id=workshop.id, meeting_id__isnull=True).update(
        meeting_id=meeting.id, status="SCHEDULED"
    )
    if not taken:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The workshop has its meeting already.", "workshopId"
        )
    return await Workshop.get(id=workshop.id)
