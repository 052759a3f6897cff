"""Authority by amount and emergency authorisation (P4.1.1, P4.1.2), on the generic approvals.

P4.1.1: below `approval_supervisor_limit` a supervisor approves; from there up to
`approval_director_limit` the director signs; above it the operations committee decides. The
committee decides by quorum: a committee request has `approval_committee_quorum` levels, each
for the committee, and the generic rules (each level by a different person) make them distinct
members; the request is approved when the quorum has approved, and a member's reasoned
rejection ends it (the committee does not approve over a recorded objection). Which requests go
to the committee: every approval whose amount is above `approval_director_limit`, whatever its
kind, including the formal paperwork of such an emergency (P4.1 names the amount as the only
criterion; P6.2.2 audit reports go to the committee as reports, not as approvals).

P4.1.2: in an emergency a supervisor (or the director) authorises at once; the formal approval
follows as a second request due within `emergency_paperwork_days` (`open_paperwork`) -- at the
level the amount needs, or for an urgent booking change the three rising levels of P3.1.4 --
and its deadline is stored on the emergency (`paperwork_due_at`). The deciders are reminded
`emergency_paperwork_reminder_hours` before it is due (`remind_paperwork`, a job claiming each
request once), and paperwork not done in time expires and is reported to the director as
overdue. An amount is a well-formed sum of money (domain/money.py) up to
`approval_amount_max`, checked before it decides who approves.
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
    levels = await levels_for(await deciding_role(amount))
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
        actor, levels=[*first_levels, *levels], handler=handler, **common
    )


async def levels_for(role: str) -> list[list[str]]:
    """The levels of a request decided by `role`: one, or a quorum of committee members."""
    if role == "committee":
        return [["committee"]] * await params.approval_committee_quorum
    return [[role]]


@handles("emergency.decided")
async def on_emergency_decided(request: ApprovalRequest) -> None:
    """Approval handler: open the formal paperwork once an emergency was authorised (P4.1.2)."""
    if request.status != approvals.ApprovalStatus.APPROVED or not request.emergency:
        return
    await open_paperwork(request, await levels_for(await deciding_role(request.amount)))


async def open_paperwork(
    request: ApprovalRequest, levels: list[list[str]] | tuple[tuple[str, ...], ...]
) -> ApprovalRequest | None:
    """Open the formal approval of an authorised emergency, due within
    `emergency_paperwork_days`, and note its deadline on the emergency (P4.1.2). Runs in the
    transaction that authorised the emergency."""
    submitter = await Account.get_or_none(id=request.submitted_by_account_id or 0)
    if submitter is None:
        return None
    due = clock.now() + dt.timedelta(days=await params.emergency_paperwork_days)
    paperwork = await approvals.submit_approval(
        Actor(identity=Identity.of_account(submitter)),
        kind=f"{request.kind}{PAPERWORK_SUFFIX}",
        levels=levels,
        amount=request.amount,
        currency=request.currency,
        reason=f"Formal approval of emergency authorisation #{request.id}: {request.reason}",
        subject_type="ApprovalRequest",
        subject_id=str(request.id),
        due_at=due,
        handler="emergency.paperwork_decided",
    )
    await ApprovalRequest.filter(id=request.id).update(paperwork_due_at=due)
    request.paperwork_due_at = due
    return paperwork


async def remind_paperwork(limit: int = 200) -> int:
    """Remind who may decide the next level of emergency paperwork due within
    `emergency_paperwork_reminder_hours`, and the submitter (P4.1.2). Each request is claimed
    by a conditional update of `reminded_at`, so a rerun (or a run killed and rerun: the
    claims commit with the notices) reminds nobody twice and misses nobody. Call inside a unit
    of work (a worker job)."""
    now = clock.now()
    horizon = now + dt.timedelta(hours=await params.emergency_paperwork_reminder_hours)
    due = (
        await ApprovalRequest.filter(
            status=approvals.ApprovalStatus.PENDING,
            kind__endswith=PAPERWORK_SUFFIX,
            reminded_at=None,
            due_at__gt=now,
            due_at__lte=horizon,
        )
        .order_by("id")
        .limit(limit)
    )
    reminded = 0
    for request in due:
        claimed = await ApprovalRequest.filter(id=request.id, reminded_at=None).update(
            reminded_at=now
        )
        if claimed != 1:
            continue
        reminded += 1
        when = clock.local(request.due_at).strftime("%Y-%m-%d %H:%M")
        title = f"Emergency paperwork #{request.id} is due by {when}"
        for account_id in await approvals.deciders_of(request):
            await notifications.notify(
                account_id,
                "EMERGENCY_PAPERWORK_DUE",
                title,
                request.reason[:500],
                subject_type="ApprovalRequest",
                subject_id=request.id,
            )
        if request.submitted_by_account_id is not None:
            await notifications.notify(
                request.submitted_by_account_id,
                "EMERGENCY_PAPERWORK_DUE",
                title,
                request.reason[:500],
                subject_type="ApprovalRequest",
                subject_id=request.id,
            )
    return reminded


@handles("emergency.paperwork_decided")
async def on_paperwork_decided(request: ApprovalRequest) -> None:
    """Approval handler: an emergency whose paperwork expired or was refused goes to the
    director, who has to deal with an act that was never formally approved."""
    if request.status == approvals.ApprovalStatus.APPROVED:
        return
    for director_id in await notifications.staff_with_roles("director"):
        await notifications.notify(
            director_id,
            "EMERGENCY_PAPERWORK_MISSING",  # reported as overdue (P4.1.2)
            f"Emergency authorisation #{request.subject_id} has no formal approval "
            f"({request.status.lower()})",
            request.reason[:500],
            subject_type="ApprovalRequest",
            subject_id=request.id,
        )
