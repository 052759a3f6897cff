"""Monthly budgets and the spending they hold (P4.1.3: budgets are declared monthly; spending
over budget needs special permission from Finance), on the generic approvals (P4.1.1).

A budget line is one department, category and month. `declare_budget` records it PENDING and
submits it for approval like any spending of its amount (the role the amount needs, P4.1.1);
the approval handler `budget.declared` makes it ACTIVE, or REJECTED / EXPIRED. A rejected or
expired line may be declared again.

A spending approval that names a budget line (`submit_spending`, the `budgetLine` of
`submitApproval`) holds its amount on the line at once, atomically: it reads the line, checks
`committed + spent + amount <= declared` on what it read, and writes the new committed amount
by an UPDATE conditional on the line's version (`WHERE id = ? AND version = <read>`), checked
by its row count; when someone changed the line meanwhile it reads again and re-checks. So
parallel submissions never commit more than the line: on PostgreSQL the second UPDATE waits
for the first transaction and then matches no row, and that submission re-checks against the
committed amount. (The check is not written as SQL arithmetic because SQLite keeps decimals as
text and would compute in floating point.) Spending that does not fit is refused (OVER_BUDGET)
unless the submitter asks for Finance's special permission (`over_budget`): then the amount is
committed past the line and the request gets a first level decided by the finance role, before
the level its amount needs (Finance first because approval ranks may only rise level by level,
and the finance role has no rank of its own).

When the spending request ends, the handler `budget.spending` moves its commitment once (a
conditional UPDATE of the commitment's status): approved -> the amount moves from committed to
spent (approval is the authority to spend, so the money counts as spent from then on; there is
no separate "record spend" step); rejected or expired -> the amount is released.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from domain import authority, money
from domain.actor import Actor
from domain.approval_handlers import handles
from domain.approvals import ApprovalStatus
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.finance.departments import department_code
from domain.models import ApprovalRequest, Budget, BudgetCommitment
from domain.policy_params.catalogue import Money

# Budgets are kept in the currency the approval limits are set in (P4.1.1's amounts).
BUDGET_CURRENCY = Money.fixed_unit or "CNY"
BUDGET_KIND = "BUDGET"
FINANCE_ROLE = "finance"
_ATTEMPTS = 100  # compare-and-swap rounds before a busy line is reported as a conflict
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BudgetStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class CommitmentStatus(StrEnum):
    COMMITTED = "COMMITTED"
    SPENT = "SPENT"
    RELEASED = "RELEASED"


@dataclass(frozen=True)
class BudgetLine:
    department: str
    category: str
    month: str  # "YYYY-MM"


@dataclass(frozen=True)
class BudgetFilter:
    department: str | None = None
    category: str | None = None
    month: str | None = None
    status: str | None = None


def remaining(budget: Budget) -> Decimal:
    return Decimal(budget.declared) - Decimal(budget.committed) - Decimal(budget.spent)


# ---- input ----------------------------------------------------------------------------------


def parse_month(value: str | None, field: str = "month") -> dt.date:
    """The first day of a month written "YYYY-MM"."""
    match = _MONTH.match((value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise DomainError(ErrorCode.INVALID, "A month is written YYYY-MM, e.g. 2026-12.", field)
    return dt.date(int(match[1]), int(match[2]), 1)


def _category(value: str | None, field: str = "category") -> str:
    category = " ".join((value or "").split()).upper()
    if not category:
        raise DomainError(ErrorCode.REQUIRED, "Name the budget category.", field)
    if len(category) > 60:
        raise DomainError(ErrorCode.TOO_LONG, "A category has at most 60 characters.", field)
    return category


def _budget_amount(value: object, currency: object) -> tuple[Decimal, str]:
    amount = money.parse_amount(value, "amount")
    if amount <= 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "A budget amount is more than zero.", "amount")
    code = money.parse_currency(currency)
    if code != BUDGET_CURRENCY:
        raise DomainError(ErrorCode.INVALID, f"Budgets are kept in {BUDGET_CURRENCY}.", "currency")
    return amount, code


# ---- declaring ------------------------------------------------------------------------------


async def declare_budget(
    actor: Actor,
    *,
    department: str,
    category: str,
    month: str,
    amount: object,
    currency: str,
    reason: str,
) -> Budget:
    """Record a budget line PENDING and submit it for approval by the role its amount needs
    (inside the caller's unit of work)."""
    code = department_code(department)
    category = _category(category)
    first_day = parse_month(month)
    if first_day < clock.today().replace(day=1):
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "Budgets are declared for this month or later.", "month"
        )
    amount, currency = _budget_amount(amount, currency)
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say what the budget is for.", "reason")
    values = dict(
        declared=amount,
        committed=Decimal(0),
        spent=Decimal(0),
        currency=currency,
        status=BudgetStatus.PENDING,
        reason=reason.strip(),
        declared_by_account_id=actor.account_id,
        activated_at=None,
        updated_at=clock.now(),
    )
    key = dict(department=code, category=category, month=first_day)
    budget = await Budget.get_or_none(**key)
    if budget is None:
        try:
            budget = await Budget.create(**key, **values)
        except IntegrityError:  # declared by someone else at the same moment
            raise _declared_already(code, category, first_day) from None
    else:
        # A line refused or expired before may be declared again; the update is conditional
        # so two declarations of it at once cannot both reopen it.
        reopened = await Budget.filter(
            id=budget.id, status__in=[BudgetStatus.REJECTED, BudgetStatus.EXPIRED]
        ).update(**values)
        if reopened != 1:
            raise _declared_already(code, category, first_day)
    request = await authority.submit(
        actor,
        kind=BUDGET_KIND,
        reason=f"Budget {code} / {category} / {first_day:%Y-%m}: {reason.strip()}",
        amount=amount,
        currency=currency,
        subject_type="Budget",
        subject_id=str(budget.id),
        handler="budget.declared",
    )
    await Budget.filter(id=budget.id).update(approval_id=request.id)
    return await Budget.get(id=budget.id)


def _declared_already(code: str, category: str, first_day: dt.date) -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE,
        f"The {category} budget of {code} for {first_day:%Y-%m} is declared already.",
        "category",
    )


@handles("budget.declared")
async def on_budget_decided(request: ApprovalRequest) -> None:
    """Approval handler: the declared line becomes ACTIVE, or REJECTED / EXPIRED."""
    status = {
        ApprovalStatus.APPROVED: BudgetStatus.ACTIVE,
        ApprovalStatus.REJECTED: BudgetStatus.REJECTED,
        ApprovalStatus.EXPIRED: BudgetStatus.EXPIRED,
    }.get(ApprovalStatus(request.status))
    if status is None or request.subject_id is None:
        return
    await Budget.filter(
        id=int(request.subject_id), approval_id=request.id, status=BudgetStatus.PENDING
    ).update(
        status=status,
        activated_at=clock.now() if status == BudgetStatus.ACTIVE else None,
        updated_at=clock.now(),
    )


# ---- spending -------------------------------------------------------------------------------


async def submit_spending(
    actor: Actor,
    line: BudgetLine,
    *,
    kind: str,
    reason: str,
    amount: object,
    currency: str | None,
    subject_id: str | None = None,
    over_budget: bool = False,
    emergency: bool = False,
) -> ApprovalRequest:
    """A spending approval that holds its amount on a budget line (inside the caller's unit of
    work). Over the line it is refused, or with `over_budget` it needs Finance first."""
    if emergency:
        raise DomainError(
            ErrorCode.INVALID,
            "An emergency authorisation holds no budget: its formal approval does.",
            "emergency",
        )
    if amount is None:
        raise DomainError(ErrorCode.REQUIRED, "Spending on a budget has an amount.", "amount")
    code = department_code(line.department, "budgetLine.department")
    category = _category(line.category, "budgetLine.category")
    first_day = parse_month(line.month, "budgetLine.month")
    value = money.parse_amount(amount, "amount")
    if value <= 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Spending is more than zero.", "amount")
    budget = await Budget.get_or_none(
        department=code, category=category, month=first_day, status=BudgetStatus.ACTIVE
    )
    if budget is None:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            f"There is no approved {category} budget of {code} for {first_day:%Y-%m}.",
            "budgetLine",
        )
    if money.parse_currency(currency or "") != budget.currency:
        raise DomainError(
            ErrorCode.INVALID, f"This budget is kept in {budget.currency}.", "currency"
        )
    past_line = not await _move(budget.id, committed=value, within_line=True)
    if past_line:
        if not over_budget:
            left = remaining(await Budget.get(id=budget.id))
            raise DomainError(
                ErrorCode.OVER_BUDGET,
                f"The budget has {left} {budget.currency} left: spending over budget needs "
                "Finance's special permission (overBudget).",
                "amount",
            )
        await _move(budget.id, committed=value, within_line=False)
    request = await authority.submit(
        actor,
        kind=kind,
        reason=reason,
        amount=value,
        currency=budget.currency,
        subject_id=subject_id,
        first_levels=[[FINANCE_ROLE]] if past_line else (),
        handler="budget.spending",
    )
    await BudgetCommitment.create(
        budget_id=budget.id, approval_id=request.id, amount=value, over_budget=past_line
    )
    return request


@handles("budget.spending")
async def on_spending_decided(request: ApprovalRequest) -> None:
    """Approval handler: approved spending moves from committed to spent; rejected or expired
    spending releases what it held. The commitment is claimed once by a conditional UPDATE."""
    approved = request.status == ApprovalStatus.APPROVED
    commitment = await BudgetCommitment.get_or_none(approval_id=request.id)
    if commitment is None:
        return
    claimed = await BudgetCommitment.filter(
        id=commitment.id, status=CommitmentStatus.COMMITTED
    ).update(
        status=CommitmentStatus.SPENT if approved else CommitmentStatus.RELEASED,
        settled_at=clock.now(),
    )
    if claimed != 1:
        return
    amount = Decimal(commitment.amount)
    await _move(commitment.budget_id, committed=-amount, spent=amount if approved else Decimal(0))


async def _move(
    budget_id: int, *, committed: Decimal, spent: Decimal = Decimal(0), within_line: bool = False
) -> bool:
    """Change a line's committed and spent amounts by one UPDATE conditional on the version
    read (compare and swap, retried when someone else changed the line meanwhile). With
    `within_line` the change is made only while the line is ACTIVE and what it holds stays
    within what was declared; False when it would not. The arithmetic is Decimal in Python:
    SQLite keeps decimals as text, where SQL arithmetic would be floating point."""
    for _ in range(_ATTEMPTS):
        line = await Budget.get(id=budget_id)
        new_committed = Decimal(line.committed) + committed
        new_spent = Decimal(line.spent) + spent
        if within_line and (
            line.status != BudgetStatus.ACTIVE or new_committed + new_spent > Decimal(line.declared)
        ):
            return False
        moved = await Budget.filter(id=budget_id, version=line.version).update(
            committed=new_committed,
            spent=new_spent,
            version=F("version") + 1,
            updated_at=clock.now(),
        )
        if moved == 1:
            return True
    raise DomainError(ErrorCode.CONFLICT, "The budget is busy: please try again.", "budgetLine")


# ---- reading --------------------------------------------------------------------------------


def budgets_query(f: BudgetFilter | None = None):
    """Budget lines matching the filter, as a query (paged by the caller)."""
    f = f or BudgetFilter()
    query = Budget.all()
    if f.department:
        query = query.filter(department=department_code(f.department))
    if f.category:
        query = query.filter(category=_category(f.category))
    if f.month:
        query = query.filter(month=parse_month(f.month))
    if f.status:
        query = query.filter(status=f.status)
    return query
