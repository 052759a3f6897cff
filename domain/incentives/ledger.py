"""The ledger of rewards and penalties per staff member (P5.2.1, P5.2.2, P5.2.3).

Rewards: cash for exceeding targets, a project bonus for an innovative service scheme, overseas
training for the employee of the year (P5.2.1). Penalties: written self-criticism for a minor
violation, the period's performance pay cancelled for a serious one, the employment contract
terminated for a major fault (P5.2.2), and a deduction of `complaint_penalty_min_percent` to
`complaint_penalty_max_percent` of performance pay for improper complaint handling, by the
complaint's severity (P5.2.3).

HR and the director decide; a supervisor proposes for their team and a decider approves or
rejects the proposal. A penalty names its reason (none is refused). A contract termination is
a high-risk operation: deciding it stores a pending operation (`incentive.terminate_contract`)
and it takes effect only when a second person confirms it (P6.2.3): in the same transaction
the staff member's account is disabled, every session, reset code and API token of it ends
(`domain.access`), and the employment record is no longer active. Entries are never deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tortoise.expressions import Q

from domain import access, audit, dual_review, notifications
from domain.actor import Actor
from domain.clock import clock
from domain.departments import department_of
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.incentives.common import (
    Scope,
    not_about_oneself,
    period,
    staff_member,
    text,
    within_team,
)
from domain.models import (
    Account,
    Complaint,
    Employment,
    IncentiveEntry,
    PendingOperation,
    ViolationCase,
)
from domain.money import CENT, parse_amount, parse_currency
from domain.policy_params import params

TERMINATION = "incentive.terminate_contract"


class Category(StrEnum):
    REWARD = "REWARD"
    PENALTY = "PENALTY"


class RewardKind(StrEnum):
    TARGET_BONUS = "TARGET_BONUS"  # cash for exceeding targets
    PROJECT_BONUS = "PROJECT_BONUS"  # an innovative service scheme
    OVERSEAS_TRAINING = "OVERSEAS_TRAINING"  # the employee of the year


class PenaltyKind(StrEnum):
    WRITTEN_SELF_CRITICISM = "WRITTEN_SELF_CRITICISM"  # minor violation
    PERFORMANCE_PAY_CANCELLED = "PERFORMANCE_PAY_CANCELLED"  # serious violation
    CONTRACT_TERMINATED = "CONTRACT_TERMINATED"  # major fault
    COMPLAINT_HANDLING_DEDUCTION = "COMPLAINT_HANDLING_DEDUCTION"  # P5.2.3


class EntryStatus(StrEnum):
    PROPOSED = "PROPOSED"  # a supervisor's proposal, waiting for HR or the director
    PENDING_REVIEW = "PENDING_REVIEW"  # a termination waiting for a second person
    IN_EFFECT = "IN_EFFECT"
    REJECTED = "REJECTED"  # a proposal or a termination not confirmed


class BasisKind(StrEnum):
    COMPLAINT = "COMPLAINT"
    EVALUATION = "EVALUATION"
    VIOLATION_CASE = "VIOLATION_CASE"
    OTHER = "OTHER"


# Kinds paid in money (an amount is required), and kinds that never carry one.
CASH_KINDS = {RewardKind.TARGET_BONUS, RewardKind.PROJECT_BONUS}
NO_MONEY_KINDS = {PenaltyKind.WRITTEN_SELF_CRITICISM, PenaltyKind.CONTRACT_TERMINATED}
# What a staff member is shown of their own entries: what was decided.
SHOWN_TO_STAFF = (EntryStatus.IN_EFFECT, EntryStatus.PENDING_REVIEW)


def category_of(kind: str) -> Category:
    return Category.REWARD if kind in RewardKind.__members__ else Category.PENALTY


@dataclass
class NewEntry:
    staff_account_id: int
    kind: str
    reason: str | None
    period_start: dt.date
    period_end: dt.date
    amount: object = None
    currency: str | None = None
    basis_kind: str = BasisKind.OTHER
    basis_reference: str | None = None
    complaint_id: int | None = None
    violation_case_id: int | None = None


def _money(kind: str, amount: object, currency: str | None) -> tuple[Decimal | None, str | None]:
    if amount is None:
        if kind in CASH_KINDS:
            raise DomainError(ErrorCode.REQUIRED, "A cash reward names its amount.", "amount")
        return None, None
    if kind in NO_MONEY_KINDS:
        raise DomainError(ErrorCode.INVALID, "This kind carries no amount of money.", "amount")
    value = parse_amount(amount, "amount")
    if value <= 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The amount is more than zero.", "amount")
    return value, parse_currency(currency, "currency")


async def _basis(new: NewEntry, staff: Account) -> tuple[str, str]:
    try:
        kind = BasisKind(new.basis_kind)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Unknown basis.", "basis") from None
    reference = text(new.basis_reference, "basisReference")[:200]
    if kind == BasisKind.COMPLAINT:
        if new.complaint_id is None:
            raise DomainError(ErrorCode.REQUIRED, "Name the complaint.", "complaintId")
        complaint = await Complaint.get_or_none(id=new.complaint_id).only("id", "number")
        if complaint is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such complaint.", "complaintId")
        reference = reference or complaint.number
    elif new.complaint_id is not None:
        raise DomainError(
            ErrorCode.INVALID, "A complaint is named with the basis COMPLAINT.", "complaintId"
        )
    if kind == BasisKind.VIOLATION_CASE:
        if new.violation_case_id is None:
            raise DomainError(ErrorCode.REQUIRED, "Name the violation case.", "violationCaseId")
        case = await ViolationCase.get_or_none(id=new.violation_case_id)
        if case is None or case.staff_account_id != staff.id:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "There is no such violation case of this staff member.",
                "violationCaseId",
            )
    elif new.violation_case_id is not None:
        raise DomainError(
            ErrorCode.INVALID,
            "A violation case is named with the basis VIOLATION_CASE.",
            "violationCaseId",
        )
    if kind == BasisKind.EVALUATION and not reference:
        raise DomainError(ErrorCode.REQUIRED, "Name the evaluation.", "basisReference")
    return kind, reference


async def record(
    actor: Actor, new: NewEntry, *, may_decide: bool, percent: Decimal | None = None
) -> IncentiveEntry:
    """Record a reward or a penalty (inside the caller's unit of work). A decider's entry takes
    effect at once (a termination once a second person confirms it); anyone else's is a
    proposal for their team."""
    kind = new.kind
    if kind not in RewardKind.__members__ and kind not in PenaltyKind.__members__:
        raise DomainError(ErrorCode.INVALID, "Unknown kind of reward or penalty.", "kind")
    category = category_of(kind)
    staff = await staff_member(new.staff_account_id)
    not_about_oneself(actor, staff)
    if not may_decide:
        within_team(actor, staff)
    reason = text(
        new.reason,
        "reason",
        N_("A penalty states its reason.") if category == Category.PENALTY else None,
    )
    start, end = period(new.period_start, new.period_end)
    amount, currency = _money(kind, new.amount, new.currency)
    basis_kind, reference = await _basis(new, staff)
    status = EntryStatus.PROPOSED
    if may_decide:
        terminating = kind == PenaltyKind.CONTRACT_TERMINATED
        status = EntryStatus.PENDING_REVIEW if terminating else EntryStatus.IN_EFFECT
    entry = await IncentiveEntry.create(
        staff_account_id=staff.id,
        department=department_of(staff.roles or []),
        category=category,
        kind=kind,
        status=status,
        reason=reason,
        period_start=start,
        period_end=end,
        amount=amount,
        currency=currency,
        percent=percent,
        basis_kind=basis_kind,
        basis_reference=reference,
        complaint_id=new.complaint_id,
        violation_case_id=new.violation_case_id,
        proposed_by_account_id=actor.account_id,
        decided_by_account_id=actor.account_id if may_decide else None,
        decided_at=clock.now() if may_decide else None,
    )
    await _after_decision(actor, entry, staff)
    return entry


async def _after_decision(actor: Actor, entry: IncentiveEntry, staff: Account) -> None:
    """Tell whom the new state concerns; a termination asks for its second person."""
    if entry.status == EntryStatus.PROPOSED:
        deciders = await notifications.staff_with_roles("hr", "director")
        await notifications.notify_many(
            [a for a in deciders if a not in (actor.account_id, staff.id)],
            "INCENTIVE_PROPOSED",
            f"Proposed: {entry.kind.lower().replace('_', ' ')} for {staff.display_name}",
            entry.reason[:2000],
            subject_type="IncentiveEntry",
            subject_id=entry.id,
        )
    elif entry.status == EntryStatus.PENDING_REVIEW:
        pending = await dual_review.request(
            actor,
            TERMINATION,
            {
                "entry_id": entry.id,
                "staff_account_id": staff.id,
                "staff": staff.display_name,
                "reason": entry.reason,
                "period_start": entry.period_start.isoformat(),
                "period_end": entry.period_end.isoformat(),
            },
            summary=f"Terminate the employment contract of {staff.display_name}: {entry.reason}",
            permissions=[("incentive", "decide")],
            subject_type="IncentiveEntry",
            subject_id=entry.id,
        )
        entry.pending_operation_id = pending.id
        await entry.save(update_fields=["pending_operation_id"])
    elif entry.status == EntryStatus.IN_EFFECT:
        await _tell_staff(entry)


async def _tell_staff(entry: IncentiveEntry) -> None:
    """The staff member learns of every reward and penalty that takes effect (P5.2.5, openly)."""
    what = "REWARD_GRANTED" if entry.category == Category.REWARD else "PENALTY_IMPOSED"
    await notifications.notify(
        entry.staff_account_id,
        what,
        f"{entry.kind.lower().replace('_', ' ').capitalize()} "
        f"({entry.period_start} to {entry.period_end})",
        entry.reason[:2000],
        subject_type="IncentiveEntry",
        subject_id=entry.id,
    )


async def deduct_for_complaint(
    actor: Actor,
    *,
    staff_account_id: int,
    complaint_id: int,
    reason: str | None,
    period_start: dt.date,
    period_end: dt.date,
    percent: Decimal | None,
    performance_pay: object,
    currency: str | None,
    may_decide: bool,
) -> IncentiveEntry:
    """Deduct a share of performance pay for improper handling of a complaint (P5.2.3): the
    complaint's severity names the share (GENERAL the least, MAJOR the most of the range); a
    decided share must lie within the range. The staff member is one who answered for the
    complaint (its owner, handler or resolver), deducted once per complaint."""
    complaint = await Complaint.get_or_none(id=complaint_id)
    if complaint is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such complaint.", "complaintId")
    accountable = {
        complaint.owner_account_id,
        complaint.handler_account_id,
        complaint.resolved_by_account_id,
    }
    if staff_account_id not in accountable:
        raise DomainError(
            ErrorCode.INVALID,
            "The staff member did not handle this complaint.",
            "staffId",
        )
    lowest = await params.complaint_penalty_min_percent
    highest = await params.complaint_penalty_max_percent
    share = highest if complaint.severity == "MAJOR" else lowest
    if percent is not None:
        if not lowest <= percent <= highest:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"The deduction lies between {lowest}% and {highest}% of performance pay.",
                "percent",
            )
        share = percent
    share = Decimal(share).quantize(CENT)
    amount = None
    if performance_pay is not None:
        pay = parse_amount(performance_pay, "performancePay")
        if pay <= 0:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, "The performance pay is more than zero.", "performancePay"
            )
        amount = (pay * share / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    elif currency is not None:
        raise DomainError(
            ErrorCode.INVALID, "A currency goes with the performance pay.", "currency"
        )
    already = await IncentiveEntry.filter(
        kind=PenaltyKind.COMPLAINT_HANDLING_DEDUCTION,
        complaint_id=complaint.id,
        staff_account_id=staff_account_id,
        status__not=EntryStatus.REJECTED,
    ).exists()
    if already:
        raise DomainError(
            ErrorCode.DUPLICATE,
            "This complaint's handling was already deducted from this staff member.",
            "complaintId",
        )
    new = NewEntry(
        staff_account_id=staff_account_id,
        kind=PenaltyKind.COMPLAINT_HANDLING_DEDUCTION,
        reason=reason,
        period_start=period_start,
        period_end=period_end,
        amount=None if amount is None else str(amount),
        currency=currency,
        basis_kind=BasisKind.COMPLAINT,
        complaint_id=complaint.id,
    )
    return await record(actor, new, may_decide=may_decide, percent=share)


async def decide_proposal(
    actor: Actor, entry_id: int, approve: bool, comment: str | None
) -> IncentiveEntry:
    """HR or the director approve or reject a supervisor's proposal (inside the caller's unit
    of work). An approved termination then waits for a second person."""
    entry = await IncentiveEntry.get_or_none(id=entry_id)
    if entry is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such reward or penalty.", "entryId")
    staff = await staff_member(entry.staff_account_id, "entryId")
    not_about_oneself(actor, staff, "entryId")
    note = text(comment, "comment", None if approve else N_("Say why the proposal is rejected."))
    if entry.status != EntryStatus.PROPOSED:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The proposal was decided already.", "entryId")
    if approve:
        terminating = entry.kind == PenaltyKind.CONTRACT_TERMINATED
        status = EntryStatus.PENDING_REVIEW if terminating else EntryStatus.IN_EFFECT
    else:
        status = EntryStatus.REJECTED
    moved = await IncentiveEntry.filter(id=entry.id, status=EntryStatus.PROPOSED).update(
        status=status,
        decided_by_account_id=actor.account_id,
        decided_at=clock.now(),
        decision_comment=note,
    )
    if moved != 1:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The proposal was decided already.", "entryId")
    entry = await IncentiveEntry.get(id=entry.id)
    if approve:
        await _after_decision(actor, entry, staff)
    return entry


@dual_review.operation(TERMINATION)
async def _terminate(operation: PendingOperation, checker: Actor) -> dict:
    """Dual-review runner: the termination the checker confirmed takes effect."""
    args = operation.arguments
    moved = await IncentiveEntry.filter(
        id=args["entry_id"],
        staff_account_id=args["staff_account_id"],
        status=EntryStatus.PENDING_REVIEW,
        kind=PenaltyKind.CONTRACT_TERMINATED,
    ).update(status=EntryStatus.IN_EFFECT, confirmed_by_account_id=checker.account_id)
    if moved != 1:
        raise DomainError(
            ErrorCode.TAMPERED, "The termination is not the one that was reviewed.", "operationId"
        )
    await _tell_staff(await IncentiveEntry.get(id=args["entry_id"]))
    await _end_employment(checker, args["entry_id"], args["staff_account_id"])
    return {"entryId": args["entry_id"], "accountDisabled": True}


async def _end_employment(checker: Actor, entry_id: int, staff_account_id: int) -> None:
    """The terminated contract ends the staff member's access with it, in the same transaction:
    the account is disabled and every way in ends (as when an admin disables it, announced to
    every process once committed), and the employment record is no longer active. People who
    reported to them keep that line until HR gives them another supervisor."""
    ended = await access.end_all_access(staff_account_id)
    await Employment.filter(account_id=staff_account_id, active=True).update(active=False)
    await audit.append(
        checker,
        "disableStaffAccount",
        subject_type="Account",
        subject_id=staff_account_id,
        detail=f"Contract terminated (incentive entry {entry_id}): {ended}",
    )


@dual_review.on_closed(TERMINATION)
async def _not_terminated(operation: PendingOperation) -> None:
    """A refused or expired review leaves the contract in force: the entry is rejected."""
    await IncentiveEntry.filter(
        id=operation.arguments["entry_id"], status=EntryStatus.PENDING_REVIEW
    ).update(status=EntryStatus.REJECTED, decision_comment=f"Second review {operation.status}")


# ---- reading --------------------------------------------------------------------------------


@dataclass
class EntryFilter:
    staff_account_id: int | None = None
    category: str | None = None
    kind: str | None = None
    status: str | None = None


def _visible(scope: Scope):
    query = IncentiveEntry.all()
    seen = scope.team_filter(Q(status__in=list(SHOWN_TO_STAFF)))
    return query if seen is None else query.filter(seen)


async def list_entries(scope: Scope, f: EntryFilter, *, first: int, after_id: int | None):
    query = _visible(scope)
    if f.staff_account_id is not None:
        query = query.filter(staff_account_id=f.staff_account_id)
    if f.category:
        query = query.filter(category=f.category)
    if f.kind:
        query = query.filter(kind=f.kind)
    if f.status:
        query = query.filter(status=f.status)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def visible_entry(scope: Scope, entry_id: int) -> IncentiveEntry | None:
    return await _visible(scope).filter(id=entry_id).first()
