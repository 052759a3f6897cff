"""Data-protection training of the staff who handle personal data (P6.1.4: regular compliance
training, especially on handling sensitive information).

Who must be trained follows the permission matrix and the classification: every active staff
member whose roles hold a read grant of a resource that discloses personal data
(`classification.KINDS`, e.g. guest contact and identity data, bookings, members). A training
holds `compliance_training_valid_days` from the day it was completed; within
`compliance_training_notice_days` of running out it is DUE, once it has run out (or if there
never was one) the person is OVERDUE. `remind_lapsed` (a job) tells each DUE or OVERDUE person
once per lapse, so a rerun tells no one twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, ComplianceTraining, ComplianceTrainingReminder, RoleGrant
from domain.personal_data.classification import KINDS
from domain.policy_params import params
from domain.unit_of_work import audited

DEFAULT_TOPIC = "Personal information protection (PIPL) and handling sensitive data"


class TrainingState(StrEnum):
    CURRENT = "CURRENT"
    DUE = "DUE"
    OVERDUE = "OVERDUE"


@dataclass(frozen=True)
class TrainingStatus:
    id: int  # the staff account's id (pages are keyed by it)
    account: Account
    state: TrainingState
    last: ComplianceTraining | None

    @property
    def valid_until(self) -> dt.date | None:
        return self.last.valid_until if self.last else None

    @property
    def lapse_key(self) -> str:
        if self.last is None:
            return "NEVER"
        return f"{self.state.value}:{self.last.valid_until.isoformat()}"


def personal_data_resources() -> list[str]:
    return sorted({rule.unmasked_by[0] for rule in KINDS.values()})


async def handling_roles() -> set[str]:
    """Roles granted to read any resource that discloses personal data."""
    rows = RoleGrant.filter(
        resource__in=personal_data_resources(), action__startswith="read", granted=True
    ).values_list("role", flat=True)
    return {role for role in await rows if not role.startswith("scope:")}


async def staff_handling_personal_data() -> list[Account]:
    roles = await handling_roles()
    accounts = await Account.filter(kind="STAFF", is_active=True).order_by("-id")
    return [a for a in accounts if roles.intersection(a.roles or [])]


async def record(
    actor: Actor, staff_email: str, completed_on: dt.date, topic: str | None = None
) -> ComplianceTraining:
    person = await Account.get_or_none(
        email=(staff_email or "").strip().lower(), kind="STAFF", is_active=True
    )
    if person is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, "No active staff member has that address.", "staffEmail"
        )
    if completed_on > clock.today():
        raise DomainError(
            ErrorCode.INVALID, "A training cannot be completed in the future.", "completedOn"
        )
    clean = (topic or "").strip() or DEFAULT_TOPIC
    if len(clean) > 200:
        raise DomainError(ErrorCode.TOO_LONG, "At most 200 characters.", "topic")
    days = await params.compliance_training_valid_days
    return await ComplianceTraining.create(
        account_id=person.id,
        topic=clean,
        completed_on=completed_on,
        valid_until=completed_on + dt.timedelta(days=days),
        recorded_by_account_id=actor.account_id,
    )


async def statuses(state: TrainingState | None = None) -> list[TrainingStatus]:
    """Every staff member handling personal data with their training state, newest account
    first (three queries however many people)."""
    staff = await staff_handling_personal_data()
    latest: dict[int, ComplianceTraining] = {}
    rows = ComplianceTraining.filter(account_id__in=[a.id for a in staff] or [0])
    for row in await rows.order_by("valid_until", "id"):
        latest[row.account_id] = row  # the one that holds longest wins
    today = clock.today()
    notice = dt.timedelta(days=await params.compliance_training_notice_days)
    found = []
    for account in staff:
        last = latest.get(account.id)
        if last is None or last.valid_until < today:
            current = TrainingState.OVERDUE
        elif last.valid_until - today <= notice:
            current = TrainingState.DUE
        else:
            current = TrainingState.CURRENT
        if state is None or current == state:
            found.append(TrainingStatus(account.id, account, current, last))
    return found


_TEXT = {
    TrainingState.DUE: "Your data-protection training runs out on {day}: please renew it.",
    TrainingState.OVERDUE: "Your data-protection training is overdue: you handle guests' "
    "personal data, please complete it.",
}


async def remind_lapsed() -> int:
    """Tell each staff member whose training is DUE or OVERDUE, once per lapse (P6.1.4), in one
    audited transaction: a run killed midway wrote nothing, a rerun tells no one again.
    Returns how many were told."""

    async def work() -> int:
        lapsed = [s for s in await statuses() if s.state != TrainingState.CURRENT]
        if not lapsed:
            return 0
        told = set(
            await ComplianceTrainingReminder.filter(
                account_id__in=[s.id for s in lapsed]
            ).values_list("account_id", "lapse_key")
        )
        fresh = [s for s in lapsed if (s.id, s.lapse_key) not in told]
        if not fresh:
            return 0
        await ComplianceTrainingReminder.bulk_create(
            [ComplianceTrainingReminder(account_id=s.id, lapse_key=s.lapse_key) for s in fresh]
        )
        by_text: dict[tuple[str, str], list[int]] = {}
        for status in fresh:
            day = status.valid_until.isoformat() if status.valid_until else ""
            text = _TEXT[status.state].format(day=day)
            by_text.setdefault((status.state.value, text), []).append(status.id)
        for (state, text), ids in by_text.items():
            await notifications.notify_many(ids, f"COMPLIANCE_TRAINING_{state}", text)
        return len(fresh)

    return await audited(SYSTEM, "remindComplianceTraining", "ComplianceTraining", work)
