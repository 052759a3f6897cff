"""What the parts of the rewards-and-penalties area share (P5.2): finding the staff member a
record is about, who sees which records (deciders everything, supervisors their team, everyone
else their own), and checking texts and periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.expressions import Q

from domain.actor import Actor
from domain.clock import require_supported_day
from domain.departments import department_of
from domain.errors import DomainError, ErrorCode
from domain.models import Account

MAX_TEXT = 2_000


@dataclass(frozen=True)
class Scope:
    """Whose records a caller sees: everyone's, or their own and (for a supervisor) their
    team's, the team being the staff of the supervisor's department."""

    everyone: bool
    account_id: int | None = None
    department: str | None = None

    @classmethod
    def of(cls, actor: Actor, *, everyone: bool) -> Scope:
        if everyone:
            return cls(everyone=True)
        roles = actor.identity.roles
        team = department_of(roles) if "supervisor" in roles else None
        return cls(everyone=False, account_id=actor.account_id, department=team)

    def team_filter(self, own: Q | None = None) -> Q | None:
        """The rows this scope sees (None: every row). `own` narrows the caller's own rows."""
        if self.everyone:
            return None
        mine = Q(staff_account_id=self.account_id or 0)
        if own is not None:
            mine = mine & own
        if self.department is None:
            return mine
        return mine | (Q(department=self.department) & ~Q(staff_account_id=self.account_id or 0))


async def staff_member(account_id: int, field: str = "staffId") -> Account:
    account = await Account.get_or_none(id=account_id, kind="STAFF")
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such staff member.", field)
    return account


def not_about_oneself(actor: Actor, staff: Account, field: str = "staffId") -> None:
    """Nobody decides, proposes or handles a reward, penalty or case about themselves."""
    if actor.account_id == staff.id:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Nobody decides a reward, a penalty or a violation case about themselves.",
            field,
        )


def within_team(actor: Actor, staff: Account, field: str = "staffId") -> None:
    """A supervisor (who proposes but does not decide) acts for their own team only."""
    mine = department_of(actor.identity.roles) if "supervisor" in actor.identity.roles else None
    if mine is None or department_of(staff.roles or []) != mine:
        raise DomainError(
            ErrorCode.FORBIDDEN, "You act for the staff of your own team only.", field
        )


def text(value: str | None, field: str, missing: str | None = None) -> str:
    """A trimmed text of at most MAX_TEXT characters; required when `missing` says why."""
    clean = (value or "").strip()
    if not clean and missing is not None:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", field)
    return clean


def period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    require_supported_day(start, "periodStart")
    require_supported_day(end, "periodEnd")
    if end < start:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "The period ends on or after the day it starts.", "periodEnd"
        )
    return start, end
