"""Authority by amount and emergency authorisation (P4.1.1, P4.1.2), on the generic approvals.

P4.1.1: below `approval_supervisor_limit` a supervisor approves; from there up to
`approval_director_limit` the director signs; above it the operations committee decides.
P4.1.2: in an emergency a supervisor authorises at once; the formal approval at the level the
amount needs follows as a second request due within `emergency_paperwork_days`, and an
emergency whose paperwork is not done in time is reported to the director. An amount is a
well-formed sum of money (domain/money.py) up to `approval_amount_max`, checked before it
decides who approves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from authz.identity import Identity
from domain import approvals, money, notifications
from domain.actor import Actor
from domain.approval_handlers import handles
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, ApprovalRequest
from domain.policy_params import params

PAPERWORK_SUFFIX = "_PAPERWORK"


async def deciding_role(amount: Decimal | None) -> str:
    """Who decides an amount (P4.1.1). Without an amount a supervisor decides."""
    if amount is None:
        return "supervisor"
    if amount < await params.approval_supervisor_limit:
        return "supervisor"
    if amount <= await params.approval_director_limit:
        return "director"
    return "committee"


async def submit(
    actor: Actor,
    *,
    kind: str,
    reason: str,
    amount: Decimal | None = None,
    currency: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    emergency: bool = False,
    first_levels: Sequence[Sequence[str]] = (),
    handler: str | None = None,
) -> ApprovalRequest:
    """Open a request decided by the role the amount needs (P4.1.1). `first_levels` are decided
    before it (Finance's special permission for spending over budget, P4.1.3) and `handler`
    runs when the request ends (an emergency uses its own handler)."""
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say what is to be approved and why.", "reason")
    if (kind or "").strip().upper().endswith(PAPERWORK_SUFFIX):
        raise DomainError(ErrorCode.INVALID, "Paperwork requests are opened by the system.", "kind")
    if amount is not None:
        # Checked before the amount picks who decides: a malformed one decides nothing.
        amount = money.check_bounds(
            money.parse_amount(amount, "amount"),
            "amount",
            minimum=Decimal(0),
            maximum=await params.approval_amount_max,
            what="An amount to approve",
        )
    role = await deciding_role(amount)
    common = dict(
        kind=kind,
        amount=amount,
        currency=currency,
        reason=reason,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    if emergency:
        if first_levels or handler:
            raise DomainError(
                ErrorCode.INVALID,
                "An emergency authorisation holds no budget: its formal approval does.",
                "emergency",
            )
        # A supervisor authorises temporarily; the formal request follows on approval.
        return await approvals.submit_approval(
            actor,
            levels=[["supervisor", "director"]],
            emergency=True,
            handler="emergency.decided",
            **common,
        )
    return await approvals.submit_approval(
        actor, levels=[*first_levels, [role]], handler=handler, **common
    )


@handles("emergency.decided")
async def on_emergency_decided(request: ApprovalRequest) -> None:
    """Approval handler: open the formal paperwork once an emergency was authorised (P4.1.2)."""
    if request.status != approvals.ApprovalStatus.APPROVED or not request.emergency:
        return
    days = await params.emergency_paperwork_days
    submitter = await Account.get_or_none(id=request.submitted_by_account_id or 0)
    formal_actor = Actor(identity=Identity.of_account(submitter)) if submitter else None
    if formal_actor is None:
        return
    role = await deciding_role(request.amount)
    await approvals.submit_approval(
        formal_actor,
        kind=f"{request.kind}{PAPERWORK_SUFFIX}",
        levels=[[role]],
        amount=request.amount,
        currency=request.currency,
        reason=f"Formal approval of emergency authorisation #{request.id}: {request.reason}",
        subject_type="ApprovalRequest",
        subject_id=str(request.id),
        due_at=clock.now() + dt.timedelta(days=days),
        handler="emergency.paperwork_decided",
    )


@handles("emergency.paperwork_decided")
async def on_paperwork_decided(request: ApprovalRequest) -> None:
    """Approval handler: an emergency whose paperwork expired or was refused goes to the
    director, who has to deal with an act that was never formally approved."""
    if request.status == approvals.ApprovalStatus.APPROVED:
        return
    for director_id in await notifications.staff_with_roles("director"):
        await notifications.notify(
            director_id,
            "EMERGENCY_PAPERWORK_MISSING",
            f"Emergency authorisation #{request.subject_id} has no formal approval "
            f"({request.status.lower()})",
            request.reason[:500],
            subject_type="ApprovalRequest",
            subject_id=request.id,
        )

