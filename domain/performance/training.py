"""Attendance of the special training sessions a failed customer-service assessment assigns
(P5.1.2): the person's supervisor, HR or a director records that a session was attended, once;
an ASSIGNED session past its due date shows as overdue."""

from __future__ import annotations

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import PerformanceTraining
from domain.performance.people import supervisors_of


async def record_attendance(
    actor: Actor, session_id: int, *, everyone: bool
) -> PerformanceTraining:
    """Mark a session ATTENDED (inside the caller's unit of work). `everyone`: the matrix lets
    the actor record any session (HR, directors); otherwise only their team's."""
    session = await PerformanceTraining.get_or_none(id=session_id)
    if session is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such training session.", "sessionId")
    if not everyone and actor.account_id not in await supervisors_of(session.account_id):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "The colleague's supervisor or HR records their training.",
            "sessionId",
        )
    claimed = await PerformanceTraining.filter(id=session.id, status="ASSIGNED").update(
        status="ATTENDED", attended_at=clock.now(), recorded_by_account_id=actor.account_id
    )
    if not claimed:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The session is recorded as attended already.", "sessionId"
        )
    return await PerformanceTraining.get(id=session.id)
