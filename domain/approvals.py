"""Multi-level approval: a request decided level by level by different people of rising rank
(P3.1.4 three-level approval of urgent booking changes; reused for P4.1.1 amount-based
authority, P4.1.2 emergency authorisation and P6.2.3 dual review).

A request lists, per level, the roles that may decide it (e.g. ``[["supervisor"],
["supervisor", "director"], ["director"]]``). Rules enforced here:

- levels are decided in order, each exactly once (a conditional UPDATE of `current_level`, so
  two people deciding the same level at once cannot both succeed);
- every decision is by a different person, and by default not by the submitter;
- the decider holds a role allowed at the level; the role recorded is the highest of them, and
  it may not rank below the role recorded at an earlier level (rank rises or stays);
- a rejection at any level ends the request; approval at the last level approves it;
- a request past `due_at` can no longer be decided and is marked EXPIRED by `expire_overdue()`.

When a request ends (APPROVED, REJECTED, EXPIRED) the handler it was submitted with (a stable
name from `domain.approval_handlers`, stored on the row so any process can run it) is awaited in
the same transaction with the request, so the approved change and the last decision commit
together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tortoise.expressions import F, Q, Subquery

from authz.identity import Kind
from domain import crisis, money, notifications
from domain.actor import Actor
from domain.approval_handlers import handler_named
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, ApprovalDecision, ApprovalRequest


class ApprovalStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class Decision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


# Rank of the roles that take part in approvals (P2.1 reporting levels, P4.1.1 committee).
ROLE_RANK: dict[str, int] = {"supervisor": 1, "director": 2, "committee": 3}


def role_rank(role: str) -> int:
    return ROLE_RANK.get(role, 0)


def _required_role(levels: list[list[str]], level: int) -> str:
    """The roles that may decide `level`, comma-separated (the API's `requiredRole`)."""
    return ",".join(levels[min(level, len(levels)) - 1])


@dataclass(frozen=True)
class ApprovalFilter:
    status: Sequence[str] | None = None
    kind: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    awaiting_role: str | None = None  # pending requests whose next level this role may decide
    submitted_by_account_id: int | None = None
    # What one person who reads only their own requests sees: those they submitted, and the
    # pending requests of the kinds an active crisis group of theirs decides (P4.1.4).
    visible_to_account: int | None = None
    # Pending requests one person may decide next: any of their roles, not their own request.
    awaiting_account: tuple[int, Sequence[str]] | None = None


# ---- submit -------------------------------------------------------------------------------


async def submit_approval(
    actor: Actor,
    *,
    kind: str,
    levels: Sequence[Sequence[str]],
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    reason: str = "",
    emergency: bool = False,
    due_at: dt.datetime | None = None,
    handler: str | None = None,
    exclude_submitter: bool = True,
) -> ApprovalRequest:
    """Open a request (inside the caller's unit of work) and notify who may decide level 1."""
    kind = kind.strip().upper()
    if not kind:
        raise DomainError(ErrorCode.REQUIRED, "Say what kind of approval this is.", "kind")
    clean_levels = [[r.strip() for r in level if r.strip()] for level in levels]
    if not clean_levels or any(not level for level in clean_levels):
        raise ValueError("every approval level names at least one role")
    if amount is not None:
        amount = money.parse_amount(amount, "amount")
        if amount < 0:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "An amount is not negative.", "amount")
        if not currency:
            raise DomainError(ErrorCode.REQUIRED, "Give the currency of the amount.", "currency")
    if currency:
        currency = money.parse_currency(currency)
    if due_at is not None and due_at <= clock.now():
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The due time has passed already.", "dueAt")
    if handler is not None:
        handler_named(handler)  # fail now rather than when the request ends
    request = await ApprovalRequest.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        amount=amount,
        currency=currency or None,
        reason=reason.strip(),
        status=ApprovalStatus.PENDING,
        levels=clean_levels,
        current_level=1,
        required_role=_required_role(clean_levels, 1),
        emergency=emergency,
        exclude_submitter=exclude_submitter,
        submitted_by_account_id=actor.account_id,
        submitted_by_ref=actor.identity.actor_ref,
        due_at=due_at,
        handler=handler,
    )
    await _notify_deciders(request, [])
    return request


# ---- decide -------------------------------------------------------------------------------


async def decide_approval(
    actor: Actor, approval_id: int, decision: str, comment: str = ""
) -> ApprovalRequest:
    """Record the actor's decision on the next level (inside the caller's unit of work)."""
    decision = decision.strip().upper()
    if decision not in (Decision.APPROVE, Decision.REJECT):
        raise DomainError(ErrorCode.INVALID, "Decide APPROVE or REJECT.", "decision")
    if decision == Decision.REJECT and not comment.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the request is rejected.", "comment")
    if actor.identity.kind != Kind.STAFF or actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Only staff decide approvals.", "approvalId")
    request = await ApprovalRequest.get_or_none(id=approval_id)
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such approval request.", "approvalId")
    if request.status != ApprovalStatus.PENDING:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED,
            f"The request is {request.status.lower()} already.",
            "approvalId",
        )
    if request.due_at is not None and request.due_at <= clock.now():
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The request has expired.", "approvalId")
    if request.exclude_submitter and request.submitted_by_account_id == actor.account_id:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Nobody decides a request they submitted.", "approvalId"
        )
    earlier = await ApprovalDecision.filter(request_id=request.id).order_by("level")
    if any(d.decided_by_account_id == actor.account_id for d in earlier):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Each level is decided by a different person.", "approvalId"
        )
    level = request.current_level
    allowed = request.levels[level - 1]
    held = [role for role in actor.identity.roles if role in allowed]
    # P4.1.4: a member of an active crisis group naming this kind decides it in one step.
    under_crisis = await crisis.authority_for(actor, request)
    if under_crisis:
        held, comment = [under_crisis.role], under_crisis.comment(comment)
    if not held:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"Level {level} is decided by: {', '.join(allowed)}.",
            "approvalId",
        )
    role = max(held, key=role_rank)
    if earlier and role_rank(role) < max(role_rank(d.role) for d in earlier):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            f"Level {level} needs a rank at least that of the earlier levels.",
            "approvalId",
        )
    last_level = level == len(request.levels) or under_crisis is not None
    if decision == Decision.REJECT:
        changes = {"status": ApprovalStatus.REJECTED, "decided_at": clock.now()}
    elif last_level:
        changes = {"status": ApprovalStatus.APPROVED, "decided_at": clock.now()}
    else:
        changes = {
            "current_level": F("current_level") + 1,
            "required_role": _required_role(request.levels, level + 1),
        }
    moved = await ApprovalRequest.filter(
        id=request.id, status=ApprovalStatus.PENDING, current_level=level
    ).update(**changes)
    if moved != 1:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "Someone decided this level meanwhile.", "approvalId"
        )
    made = await ApprovalDecision.create(
        request_id=request.id,
        level=level,
        role=role,
        decided_by_account_id=actor.account_id,
        decided_by_name=actor.identity.display_name,
        decision=decision,
        comment=comment.strip(),
    )
    request = await ApprovalRequest.get(id=request.id)
    if request.status == ApprovalStatus.PENDING:
        await _notify_deciders(request, [*earlier, made])
    else:
        await _finish(request)
    return request


# ---- expiry -------------------------------------------------------------------------------


async def expire_overdue(limit: int = 200) -> int:
    """Mark pending requests past their due time EXPIRED and run their handlers. Each request
    is claimed by a conditional UPDATE, so concurrent runs expire it once. Call inside a unit
    of work (a worker job)."""
    now = clock.now()
    overdue = (
        await ApprovalRequest.filter(status=ApprovalStatus.PENDING, due_at__lte=now)
        .order_by("id")
        .limit(limit)
    )
    count = 0
    for request in overdue:
        moved = await ApprovalRequest.filter(id=request.id, status=ApprovalStatus.PENDING).update(
            status=ApprovalStatus.EXPIRED, decided_at=now
        )
        if moved == 1:
            count += 1
            request.status = ApprovalStatus.EXPIRED
            request.decided_at = now
            await _finish(request)
    return count


# ---- reading ------------------------------------------------------------------------------


async def get_approval(approval_id: int) -> ApprovalRequest | None:
    return await ApprovalRequest.get_or_none(id=approval_id)


async def visible_to(request: ApprovalRequest, account_id: int) -> bool:
    """Whether a person who reads only their own requests sees this one (`visible_to_account`)."""
    if request.submitted_by_account_id == account_id:
        return True
    return request.status == ApprovalStatus.PENDING and request.kind in (
        await crisis.kinds_decided_by(account_id)
    )


async def list_approvals(
    filter: ApprovalFilter | None = None, *, first: int = 50, after_id: int | None = None
) -> tuple[list[ApprovalRequest], bool, Callable[[], Awaitable[int]]]:
    """Newest first, keyset-paged by id. Returns (items, has_next_page, count) where `count()`
    counts every match: a query of its own, run only by a caller that needs the total."""
    query = ApprovalRequest.all()
    f = filter or ApprovalFilter()
    if f.status:
        query = query.filter(status__in=list(f.status))
    if f.kind:
        query = query.filter(kind=f.kind.upper())
    if f.subject_type:
        query = query.filter(subject_type=f.subject_type)
    if f.subject_id is not None:
        query = query.filter(subject_id=str(f.subject_id))
    if f.submitted_by_account_id is not None:
        query = query.filter(submitted_by_account_id=f.submitted_by_account_id)
    if f.visible_to_account is not None:
        visible = Q(submitted_by_account_id=f.visible_to_account)
        crisis_kinds = await crisis.kinds_decided_by(f.visible_to_account)
        if crisis_kinds:
            visible |= Q(kind__in=crisis_kinds, status=ApprovalStatus.PENDING)
        query = query.filter(visible)
    if f.awaiting_role:
        query = query.filter(status=ApprovalStatus.PENDING, required_role__contains=f.awaiting_role)
    if f.awaiting_account is not None:
        # What waits for this person (P4.1): pending and not past due, their role decides the
        # next level, not their own request, and not one they decided a level of already (a
        # committee member who voted waits for the other members, not for themselves).
        account_id, roles = f.awaiting_account
        any_role = Q()
        for role in roles:
            any_role |= Q(required_role__contains=role)
        # P4.1.4: and the kinds an active crisis group of theirs decides, at any level.
        crisis_kinds = await crisis.kinds_decided_by(account_id)
        if crisis_kinds:
            any_role |= Q(kind__in=crisis_kinds)
        decided = ApprovalDecision.filter(decided_by_account_id=account_id).values("request_id")
        query = query.filter(
            any_role,
            Q(due_at__isnull=True) | Q(due_at__gt=clock.now()),
            Q(submitted_by_account_id__isnull=True) | Q(submitted_by_account_id__not=account_id),
            status=ApprovalStatus.PENDING,
        ).exclude(id__in=Subquery(decided))
    page = query.filter(id__lt=after_id) if after_id else query
    first = max(1, min(first, 200))
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def decisions_for(request_ids: Sequence[int]) -> dict[int, list[ApprovalDecision]]:
    """Decisions of many requests in one query (for a dataloader), each list by level."""
    found: dict[int, list[ApprovalDecision]] = {i: [] for i in request_ids}
    for row in await ApprovalDecision.filter(request_id__in=list(request_ids)).order_by("level"):
        found[row.request_id].append(row)
    return found


# ---- internals ----------------------------------------------------------------------------


async def _finish(request: ApprovalRequest) -> None:
    if request.handler:
        await handler_named(request.handler)(request)
    if request.submitted_by_account_id is not None:
        await notifications.notify(
            request.submitted_by_account_id,
            "APPROVAL_DECIDED",
            f"{request.kind.replace('_', ' ').title()} request {request.status.lower()}",
            subject_type="ApprovalRequest",
            subject_id=request.id,
        )


async def deciders_of(request: ApprovalRequest) -> list[int]:
    """Active staff who may decide the request's next level: holding a role allowed at it,
    not its submitter (unless allowed) and not having decided an earlier level."""
    allowed = set(request.levels[request.current_level - 1])
    excluded = set(
        await ApprovalDecision.filter(request_id=request.id).values_list(
            "decided_by_account_id", flat=True
        )
    )
    if request.exclude_submitter and request.submitted_by_account_id is not None:
        excluded.add(request.submitted_by_account_id)
    staff = await Account.filter(kind="STAFF", is_active=True).only("id", "roles")
    return [
        account.id
        for account in staff
        if account.id not in excluded and allowed.intersection(account.roles or [])
    ]


async def _notify_deciders(request: ApprovalRequest, decided: list[ApprovalDecision]) -> None:
    told = await deciders_of(request)
    for account_id in told:
        await notifications.notify(
            account_id,
            "APPROVAL_WAITING",
            f"{request.kind.replace('_', ' ').title()} waits for your decision "
            f"(level {request.current_level} of {len(request.levels)})",
            request.reason[:500],
            subject_type="ApprovalRequest",
            subject_id=request.id,
        )
    if decided:
        return
    # P4.1.4: the members of an active crisis group naming this kind decide it at once.
    others = set(told)
    if request.exclude_submitter and request.submitted_by_account_id is not None:
        others.add(request.submitted_by_account_id)
    for group_id, members in (await crisis.members_deciding(request.kind)).items():
        crisis_members = [m for m in members if m not in others]
        others.update(crisis_members)
        await notifications.notify_many(
            crisis_members,
            "APPROVAL_WAITING",
            f"{request.kind.replace('_', ' ').title()} waits for the decision of "
            f"crisis group {group_id}",
            request.reason[:500],
            subject_type="ApprovalRequest",
            subject_id=request.id,
        )
