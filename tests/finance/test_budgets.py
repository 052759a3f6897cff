"""Monthly budgets and spending against them through the API (P4.1.3: budgets are declared
monthly; spending over budget needs special permission from Finance)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from finance_support import (
    BUDGETS,
    DECLARE,
    LINE,
    active_budget,
    decide,
    declaration,
    declare,
    spend,
)

from domain.models import ApprovalRequest, AuditEntry, Budget, BudgetCommitment
from tests.concurrency import assert_ran_concurrently, watching_transactions


async def _line() -> Budget:
    return await Budget.get(department="BOOKING_CRM", category="LINEN")


@pytest.mark.policy("P4.1.3")
async def test_a_declared_budget_is_approved_like_spending_and_becomes_active(gql, person):
    supervisor, other = await person("supervisor"), await person("supervisor")
    declared = await declare(gql, supervisor.token)
    assert declared["errors"] == []
    budget = declared["budget"]
    assert (budget["department"], budget["category"], budget["month"]) == (
        "BOOKING_CRM",
        "LINEN",
        "2026-12",
    )
    assert budget["status"] == "PENDING" and budget["declared"] == "5000.00"
    request = await ApprovalRequest.get(id=(await _line()).approval_id)
    assert request.kind == "BUDGET" and request.required_role == "supervisor"
    # The declarer does not approve their own budget.
    own = await decide(gql, supervisor.token, budget["approvalId"])
    assert own["errors"][0]["code"] == "FORBIDDEN"
    assert (await _line()).status == "PENDING"

    assert (await decide(gql, other.token, budget["approvalId"]))["errors"] == []
    row = await _line()
    assert row.status == "ACTIVE" and row.activated_at is not None
    listed = await gql(BUDGETS, {"f": {"month": "2026-12"}}, token=other.token)
    assert listed.data["budgets"]["edges"][0]["node"] == {
        "department": "BOOKING_CRM",
        "category": "LINEN",
        "month": "2026-12",
        "declared": "5000.00",
        "committed": "0.00",
        "spent": "0.00",
        "remaining": "5000.00",
        "status": "ACTIVE",
    }
    assert await AuditEntry.filter(action="declareBudget", outcome="SUCCESS").count() == 1


async def test_a_large_budget_is_signed_by_the_director_and_a_refused_one_may_be_declared_again(
    gql, person
):
    director, supervisor = await person("director"), await person("supervisor")
    declared = await declare(gql, supervisor.token, amount="50000")
    request = await ApprovalRequest.get(id=(await _line()).approval_id)
    assert request.required_role == "director"
    rejected = await decide(gql, director.token, declared["budget"]["approvalId"], "REJECT")
    assert rejected["approval"]["status"] == "REJECTED"
    assert (await _line()).status == "REJECTED"
    again = await declare(gql, supervisor.token, amount="9000")
    assert again["errors"] == [] and again["budget"]["status"] == "PENDING"
    twice = await declare(gql, director.token)
    assert twice["errors"][0]["code"] == "DUPLICATE"
    assert await Budget.all().count() == 1


@pytest.mark.policy("P4.1.3")
async def test_spending_holds_its_amount_and_approval_moves_it_to_spent(gql, person):
    await active_budget(gql, person)
    agent, supervisor = await person("booking_agent"), await person("supervisor")
    held = await spend(gql, agent.token, "3000.00")
    assert held["errors"] == [] and held["approval"]["requiredRole"] == "supervisor"
    row = await _line()
    assert (row.committed, row.spent) == (Decimal("3000.00"), Decimal("0.00"))
    released = await spend(gql, agent.token, "1500.00")
    await decide(gql, supervisor.token, released["approval"]["id"], "REJECT")
    row = await _line()
    assert (row.committed, row.spent) == (Decimal("3000.00"), Decimal("0.00"))

    await decide(gql, supervisor.token, held["approval"]["id"])
    row = await _line()
    assert (row.committed, row.spent) == (Decimal("0.00"), Decimal("3000.00"))
    statuses = sorted(await BudgetCommitment.all().values_list("status", flat=True))
    assert statuses == ["RELEASED", "SPENT"]
    listed = await gql(BUDGETS, token=supervisor.token)
    node = listed.data["budgets"]["edges"][0]["node"]
    assert (node["committed"], node["spent"], node["remaining"]) == ("0.00", "3000.00", "2000.00")


@pytest.mark.policy("P4.1.3")
async def test_spending_over_budget_without_finance_is_refused_and_writes_nothing(gql, person):
    await active_budget(gql, person)
    agent = await person("booking_agent")
    assert (await spend(gql, agent.token, "4000"))["errors"] == []
    before = await ApprovalRequest.all().count()
    refused = await spend(gql, agent.token, "1000.01")
    assert refused["errors"][0]["code"] == "OVER_BUDGET"
    assert "1000.00" in refused["errors"][0]["message"]
    assert await ApprovalRequest.all().count() == before
    assert (await _line()).committed == Decimal("4000.00")
    assert await BudgetCommitment.all().count() == 1
    assert await AuditEntry.filter(action="submitApproval", outcome="REJECTED").count() == 1


@pytest.mark.policy("P4.1.3")
async def test_spending_over_budget_needs_finance_first(gql, person):
    await active_budget(gql, person)
    agent, supervisor, finance = (
        await person("booking_agent"),
        await person("supervisor"),
        await person("finance"),
    )
    over = await spend(gql, agent.token, "6000.00", over=True)
    assert over["errors"] == []
    approval = over["approval"]
    assert approval["requiredRole"] == "finance" and approval["levels"] == 2
    # The supervisor cannot give Finance's permission.
    assert (await decide(gql, supervisor.token, approval["id"]))["errors"][0]["code"] == (
        "FORBIDDEN"
    )
    granted = await decide(gql, finance.token, approval["id"])
    assert granted["errors"] == [] and granted["approval"]["requiredRole"] == "supervisor"
    assert (await decide(gql, supervisor.token, approval["id"]))["approval"]["status"] == (
        "APPROVED"
    )
    row = await _line()
    assert (row.committed, row.spent) == (Decimal("0.00"), Decimal("6000.00"))
    assert (await BudgetCommitment.get()).over_budget is True
    listed = await gql(BUDGETS, token=finance.token)
    assert listed.data["budgets"]["edges"][0]["node"]["remaining"] == "-1000.00"


async def test_spending_that_fits_needs_no_finance_even_when_asked(gql, person):
    await active_budget(gql, person)
    agent = await person("booking_agent")
    fits = await spend(gql, agent.token, "100", over=True)
    assert fits["approval"]["requiredRole"] == "supervisor" and fits["approval"]["levels"] == 1


@pytest.mark.policy("P4.1.3")
async def test_parallel_spending_never_commits_more_than_the_budget(gql, person):
    await active_budget(gql, person, amount="5000.00")
    agents = [await person("booking_agent") for _ in range(8)]
    with watching_transactions() as overlap:
        answers = await asyncio.gather(*(spend(gql, a.token, "1000.00") for a in agents))
    assert_ran_concurrently(overlap)
    held = [a for a in answers if a["errors"] == []]
    refused = [a for a in answers if a["errors"]]
    assert len(held) == 5
    assert {a["errors"][0]["code"] for a in refused} == {"OVER_BUDGET"}
    row = await _line()
    assert row.committed == Decimal("5000.00") <= row.declared
    assert await BudgetCommitment.all().count() == 5
    assert await ApprovalRequest.filter(kind="PURCHASE").count() == 5


async def test_an_expired_spending_request_releases_its_hold(gql, person):
    from domain import approvals
    from domain.actor import SYSTEM
    from domain.unit_of_work import audited

    await active_budget(gql, person)
    agent = await person("booking_agent")
    held = await spend(gql, agent.token, "2000")
    pk = int(__import__("strawberry").relay.GlobalID.from_id(held["approval"]["id"]).node_id)
    from domain.clock import clock

    await ApprovalRequest.filter(id=pk).update(due_at=clock.now())
    assert (
        await audited(SYSTEM, "expireApprovals", "ApprovalRequest", approvals.expire_overdue) == 1
    )
    row = await _line()
    assert (row.committed, row.spent) == (Decimal("0.00"), Decimal("0.00"))
    assert (await BudgetCommitment.get()).status == "RELEASED"
    # Run again: nothing moves twice.
    assert (
        await audited(SYSTEM, "expireApprovals", "ApprovalRequest", approvals.expire_overdue) == 0
    )
    assert (await _line()).committed == Decimal("0.00")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"amount": "-5"}, "amount", "OUT_OF_RANGE"),
        ({"amount": "0"}, "amount", "OUT_OF_RANGE"),
        ({"department": "CASINO"}, "department", "INVALID"),
        ({"department": " "}, "department", "REQUIRED"),
        ({"month": "2026-10"}, "month", "OUT_OF_RANGE"),
        ({"month": "2026-13"}, "month", "INVALID"),
        ({"month": "December"}, "month", "INVALID"),
        ({"currency": "EUR"}, "currency", "INVALID"),
        ({"currency": "XYZ"}, "currency", "INVALID"),
        ({"category": ""}, "category", "REQUIRED"),
        ({"reason": "  "}, "reason", "REQUIRED"),
    ],
)
async def test_a_bad_declaration_is_refused_and_writes_nothing(gql, person, changes, field, code):
    director = await person("director")
    reply = await gql(DECLARE, {"input": declaration(**changes)}, token=director.token)
    assert reply.errors == [], reply.body
    assert reply.data["declareBudget"]["errors"][0]["field"] == field
    assert reply.data["declareBudget"]["errors"][0]["code"] == code
    assert await Budget.all().count() == 0
    assert await ApprovalRequest.all().count() == 0


@pytest.mark.parametrize(
    ("amount", "line", "currency", "code"),
    [
        ("-1", LINE, "CNY", "OUT_OF_RANGE"),
        ("100", {**LINE, "department": "CASINO"}, "CNY", "INVALID"),
        ("100", {**LINE, "month": "2027-01"}, "CNY", "NOT_FOUND"),
        ("100", {**LINE, "category": "Flowers"}, "CNY", "NOT_FOUND"),
        ("100", LINE, "EUR", "INVALID"),
        (None, LINE, "CNY", "REQUIRED"),
    ],
)
async def test_bad_spending_on_a_budget_is_refused(gql, person, amount, line, currency, code):
    await active_budget(gql, person)
    agent = await person("booking_agent")
    before = await ApprovalRequest.all().count()
    refused = await spend(gql, agent.token, amount, line=line, currency=currency)
    assert refused["errors"][0]["code"] == code
    assert await ApprovalRequest.all().count() == before
    assert (await _line()).committed == Decimal("0.00")


async def test_a_pending_budget_takes_no_spending(gql, person):
    supervisor, agent = await person("supervisor"), await person("booking_agent")
    await declare(gql, supervisor.token)
    assert (await spend(gql, agent.token, "10"))["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "finance", "data_analyst", "hr"])
async def test_only_department_heads_declare_budgets(gql, person, role):
    caller = await person(role)
    reply = await gql(DECLARE, {"input": declaration()}, token=caller.token)
    assert reply.errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await Budget.all().count() == 0


async def test_analysts_read_budgets_and_guests_partners_and_strangers_do_not(gql, person, partner):
    await active_budget(gql, person)
    analyst = await person("data_analyst")
    assert (await gql(BUDGETS, token=analyst.token)).data["budgets"]["totalCount"] == 1
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:read", "bookings:write"])
    for token in (guest.token, secret, (await person("booking_agent")).token):
        assert (await gql(BUDGETS, token=token)).errors[0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gql(BUDGETS)
    assert anonymous.errors[0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}


async def test_the_demo_hotel_has_an_active_budget_of_this_month():
    from domain.clock import clock
    from server.demo import seed_demo

    assert await seed_demo()
    row = await Budget.get()
    assert (row.status, row.month) == ("ACTIVE", clock.today().replace(day=1))
