"""Emergency telephone calls recorded in the system (P7.1.1: emergencies by telephone first and
recorded in the CRM system): who called whom, when, about what and with what outcome. A party
is an active staff member (by e-mail address) or an outside person by name; the caller is the
recording staff member unless named. Names, subject and outcome may concern guests and are
encrypted at rest (P6.1.2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.expressions import Q

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.errors import required_text as text
from domain.i18n import N_
from domain.models import Account, PhoneCall
from domain.policy_params import params

MAX_NAME = 200
MAX_TEXT = 4_000
# A call is recorded after it happened; a little clock skew between devices is tolerated.
SKEW = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Party:
    staff_email: str | None = None
    name: str | None = None


async def _party(party: Party | None, field: str) -> tuple[int | None, str | None]:
    email = ((party and party.staff_email) or "").strip().lower()
    name = ((party and party.name) or "").strip()
    if email and name:
        raise DomainError(
            ErrorCode.INVALID, "Give a staff member's address or a name, not both.", field
        )
    if email:
        account = await Account.get_or_none(email=email, kind="STAFF", is_active=True)
        if account is None:
            raise DomainError(
                ErrorCode.NOT_FOUND, f"No active staff member has the address {email}.", field
            )
        return account.id, None
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "Say who was on the line.", field)
    if len(name) > MAX_NAME:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", field)
    return None, name


async def record(
    actor: Actor,
    *,
    caller: Party | None,
    callee: Party | None,
    called_at: dt.datetime,
    subject: str,
    outcome: str,
    emergency: bool = True,
) -> PhoneCall:
    """Record a call (inside the caller's unit of work)."""
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Calls are recorded by staff.", "callee")
    if caller is None or not (caller.staff_email or caller.name):
        caller_id, caller_name = actor.account_id, None
    else:
        caller_id, caller_name = await _party(caller, "caller")
    callee_id, callee_name = await _party(callee, "callee")
    if caller_id is not None and caller_id == callee_id:
        raise DomainError(ErrorCode.INVALID, "Nobody calls themselves.", "callee")
    now = clock.now()
    if called_at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID, "Give the time with its offset.", "calledAt")
    if called_at > now + SKEW:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "A call is recorded after it happened.", "calledAt"
        )
    keep = await params.communication_retention_days
    if called_at < now - dt.timedelta(days=keep):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"Calls are kept {keep} days: this one is older.",
            "calledAt",
        )
    return await PhoneCall.create(
        caller_account_id=caller_id,
        caller_name=caller_name,
        callee_account_id=callee_id,
        callee_name=callee_name,
        called_at=called_at,
        subject=text(subject, "subject", MAX_TEXT, N_("Say what the call was about.")),
        outcome=text(outcome, "outcome", MAX_TEXT, N_("Say what came of the call.")),
        emergency=emergency,
        recorded_by_account_id=actor.account_id,
    )


def visible_query(account_id: int | None, *, everything: bool, emergency_only: bool = False):
    """The calls a reader sees: all of them, or those they recorded or took part in."""
    query = PhoneCall.all()
    if not everything:
        me = account_id or 0
        query = query.filter(
            Q(recorded_by_account_id=me) | Q(caller_account_id=me) | Q(callee_account_id=me)
        )
    if emergency_only:
        query = query.filter(emergency=True)
    return query


def is_visible(call: PhoneCall, account_id: int | None) -> bool:
    return account_id is not None and account_id in (
        call.recorded_by_account_id,
        call.caller_account_id,
        call.callee_account_id,
    )
