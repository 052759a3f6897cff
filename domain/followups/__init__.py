"""First-stay satisfaction follow-up (P3.1.7): at the check-out of a guest's first stay, a
satisfaction survey for the guest and a telephone follow-up task for customer service due
`followup_call_deadline_hours` later, escalated to supervisors once overdue.

`on_check_out(booking)` is the one call the check-out makes (`domain.bookings.stay`)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.followups import surveys
from domain.followups.tasks import (
    FollowUpCriteria,
    FollowUpOutcome,
    FollowUpStatus,
    complete,
    escalate_overdue,
    get_follow_up,
    guest_identity,
    is_first_stay,
    is_overdue,
    least_loaded_representative,
    visible,
)
from domain.followups.tasks import create_for_first_stay as _create_task
from domain.models import Booking, FollowUp, SatisfactionSurvey

__all__ = [
    "FirstStayFollowUp",
    "FollowUpCriteria",
    "FollowUpOutcome",
    "FollowUpStatus",
    "complete",
    "escalate_overdue",
    "get_follow_up",
    "is_overdue",
    "least_loaded_representative",
    "on_check_out",
    "surveys",
    "visible",
]


@dataclass(frozen=True)
class FirstStayFollowUp:
    follow_up: FollowUp
    survey: SatisfactionSurvey


async def on_check_out(booking: Booking) -> FirstStayFollowUp | None:
    """After a check-out (in its unit of work): on the guest's first stay, the survey and the
    call task; on a return stay, nothing."""
    guest = await guest_identity(booking)
    if not await is_first_stay(booking, guest):
        return None
    try:
        # A savepoint: when another check-out of the same guest committed its first stay in
        # the meantime, the unique guest key refuses this one and the check-out still stands.
        async with in_transaction():
            follow_up = await _create_task(booking, guest)
            survey = await surveys.create_for_first_stay(booking, guest)
    except IntegrityError:
        return None
    return FirstStayFollowUp(follow_up, survey)
