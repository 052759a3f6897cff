"""Improvement proposals and the innovation fund (P8.5): any staff member submits a proposal;
a supervisor, the director or the committee reviews it (accepted proposals are adopted,
rejections carry a reason); Finance or the director pays an adopted proposal's reward from
the fund.

The fund is a ledger (`InnovationFundEntry`, one row per deposit or reward, with the balance
after it) beside a one-row balance (`InnovationFund`). A reward takes money out with one
conditional UPDATE (`balance >= amount`): two rewards paid at once can never both pass when
the fund holds only one of them, and a reward beyond the fund is a payload error
(`INSUFFICIENT_FUNDS`) with nothing written.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tortoise.expressions import F

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.improvement import figures
from domain.models import InnovationFund, InnovationFundEntry, Proposal

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_AMOUNT = Decimal("1000000")


class ProposalStatus(StrEnum):
    SUBMITTED = "SUBMITTED"
    ADOPTED = "ADOPTED"
    REJECTED = "REJECTED"
    REWARDED = "REWARDED"


def _text(value: str | None, field: str, limit: int, missing: str) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID, "Give an amount of money.", "amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"The amount is above 0 and at most {MAX_AMOUNT}.", "amount"
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(ErrorCode.INVALID, "At most two decimal places.", "amount")
    return amount


async def submit(actor: Actor, title: str, description: str) -> Proposal:
    return await Proposal.create(
        title=_text(title, "title", MAX_TITLE, N_("Give the proposal a title.")),
        description=_text(description, "description", MAX_TEXT, N_("Describe the proposal.")),
        author_account_id=actor.account_id,
    )


async def review(actor: Actor, proposal_id: int, accept: bool, reason: str) -> Proposal:
    why = _text(reason, "reason", MAX_TEXT, N_("Give the reason for the decision."))
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such proposal.", "proposalId")
    if proposal.author_account_id == actor.account_id:
        raise DomainError(ErrorCode.FORBIDDEN, "Nobody reviews their own proposal.", "proposalId")
    decided = await Proposal.filter(id=proposal.id, status=ProposalStatus.SUBMITTED).update(
        status=ProposalStatus.ADOPTED if accept else ProposalStatus.REJECTED,
        reviewer_account_id=actor.account_id,
        review_reason=why,
        reviewed_at=clock.now(),
    )
    if not decided:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The proposal has been reviewed already.", "proposalId"
        )
    if accept:
        await figures.on_adoption(proposal)
    return await Proposal.get(id=proposal.id)


async def _fund() -> InnovationFund:
    fund = await InnovationFund.filter(id=1).first()
    if fund is None:
        fund = await InnovationFund.create(id=1, balance=Decimal("0"))
    return fund


async def deposit(actor: Actor, amount: object, note: str) -> InnovationFundEntry:
    money = _amount(amount)
    await _fund()
    await InnovationFund.filter(id=1).update(balance=F("balance") + money)
    fund = await InnovationFund.get(id=1)
    return await InnovationFundEntry.create(
        amount=money,
        balance_after=fund.balance,
        kind="DEPOSIT",
        note=(note or "").strip()[:200],
        actor_account_id=actor.account_id,
    )


async def pay_reward(actor: Actor, proposal_id: int, amount: object) -> Proposal:
    money = _amount(amount)
    proposal = await Proposal.get_or_none(id=proposal_id)
    if proposal is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such proposal.", "proposalId")
    if proposal.status != ProposalStatus.ADOPTED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "Only an adopted proposal that has not been rewarded gets a reward.",
            "proposalId",
        )
    marked = await Proposal.filter(id=proposal.id, status=ProposalStatus.ADOPTED).update(
        status=ProposalStatus.REWARDED, reward=money, rewarded_at=clock.now()
    )
    if not marked:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "The proposal has been rewarded already.", "proposalId"
        )
    await _fund()
    taken = await InnovationFund.filter(id=1, balance__gte=money).update(
        balance=F("balance") - money
    )
    if not taken:
        raise DomainError(
            ErrorCode.INSUFFICIENT_FUNDS,
            "The innovation fund does not hold that much.",
            "amount",
        )
    fund = await InnovationFund.get(id=1)
    await InnovationFundEntry.create(
        amount=-money,
        balance_after=fund.balance,
        kind="REWARD",
        note=proposal.title[:200],
        proposal_id=proposal.id,
        actor_account_id=actor.account_id,
    )
    return await Proposal.get(id=proposal.id)


async def balance() -> Decimal:
    fund = await InnovationFund.filter(id=1).first()
    return fund.balance if fund else Decimal("0")


def entries_query():
    return InnovationFundEntry.all()
