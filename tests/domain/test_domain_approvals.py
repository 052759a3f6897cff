"""The generic multi-level approval mechanism (P3.1.4, reused by P4.1 and P6.2.3)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from domain_support import run, staff

from domain import approvals
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import ApprovalDecision, Notification

pytestmark = pytest.mark.policy("P3.1.4")


async def submit(actor, **kwargs):
    defaults = {
        "kind": "expense",
        "levels": [["supervisor"], ["director"]],
        "amount": Decimal("1200.50"),
        "currency": "cny",
        "reason": "new carpets",
    }
    defaults.update(kwargs)
    return await run(actor, "submitApproval", lambda: approvals.submit_approval(actor, **defaults))


async def decide(actor, approval_id, decision="APPROVE", comment="ok"):
    return await run(
        actor,
        "decideApproval",
        lambda: approvals.decide_approval(actor, approval_id, decision, comment),
    )


async def test_submitter_does_not_decide_and_levels_go_in_order():
    supervisor, other_supervisor = await staff("supervisor"), await staff("supervisor")
    director = await staff("director", "supervisor")
    request = await submit(supervisor)
    assert (request.kind, request.currency, request.required_role) == (
        "EXPENSE",
        "CNY",
        "supervisor",
    )
    notified = set(
        await Notification.filter(kind="APPROVAL_WAITING").values_list("account_id", flat=True)
    )
    assert notified == {other_supervisor.account_id, director.account_id}

    with pytest.raises(DomainError) as refused:
        await decide(supervisor, request.id)
    assert refused.value.code == ErrorCode.FORBIDDEN
    # The director may take level 1 (holds supervisor) but then not level 2 as well.
    step = await decide(director, request.id)
    assert (step.current_level, step.required_role, step.status) == (2, "director", "PENDING")
    assert (await ApprovalDecision.get(request_id=request.id)).role == "supervisor"
    with pytest.raises(DomainError):
        await decide(director, request.id)
    second_director = await staff("director")
    done = await decide(second_director, request.id)
    assert done.status == "APPROVED" and done.decided_at == clock.now()
    assert await Notification.filter(
        kind="APPROVAL_DECIDED", account_id=supervisor.account_id
    ).exists()


async def test_two_people_deciding_one_level_at_once_yields_one_decision():
    submitter = await staff("booking_agent")
    request = await submit(submitter, levels=[["supervisor"], ["director"]])
    deciders = [await staff("supervisor") for _ in range(5)]
    results = await asyncio.gather(
        *(decide(d, request.id) for d in deciders), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    # Serialised (SQLite) the others find level 2 needs a director; concurrent (PostgreSQL)
    # they lose the conditional update of the level. Either way: refused, one decision.
    assert {r.code for r in results if isinstance(r, DomainError)} <= {
        ErrorCode.FORBIDDEN,
        ErrorCode.ALREADY_DECIDED,
    }
    assert len([r for r in results if isinstance(r, DomainError)]) == 4
    assert await ApprovalDecision.filter(request_id=request.id).count() == 1


async def test_listing_and_bad_input():
    submitter = await staff("booking_agent")
    first = await submit(submitter)
    second = await submit(
        submitter,
        kind="refund",
        levels=[["director"]],
        amount=None,
        currency=None,
        due_at=clock.now() + dt.timedelta(hours=2),
    )
    items, has_next, count = await approvals.list_approvals(
        approvals.ApprovalFilter(awaiting_role="director")
    )
    assert [r.id for r in items] == [second.id] and await count() == 1 and not has_next
    items, _, count = await approvals.list_approvals(first=1)
    assert [r.id for r in items] == [second.id] and await count() == 2
    items, _, _ = await approvals.list_approvals(first=1, after_id=second.id)
    assert [r.id for r in items] == [first.id]
    assert (await approvals.decisions_for([first.id, second.id])) == {first.id: [], second.id: []}
    with pytest.raises(DomainError) as refused:
        await submit(submitter, amount=Decimal("1.234"))
    assert refused.value.field == "amount"
    with pytest.raises(DomainError) as refused:
        await decide(await staff("director"), second.id, "MAYBE")
    assert refused.value.field == "decision"
    with pytest.raises(DomainError) as refused:
        await decide(await staff("director"), 424242)
    assert refused.value.code == ErrorCode.NOT_FOUND


async def test_handlers_are_stored_by_stable_name_and_old_rows_still_finish():
    """A request names its handler, not an import path; rows stored with the old import path
    still find theirs, and an unknown name is refused when the request is submitted."""
    from domain.approval_handlers import handler_named
    from domain.authority import on_emergency_decided

    assert handler_named("emergency.decided") is on_emergency_decided
    assert handler_named("domain.authority:on_emergency_decided") is on_emergency_decided
    supervisor = await staff("supervisor")
    with pytest.raises(ValueError, match="no approval handler"):
        await submit(supervisor, handler="domain.authority:renamed_function")
