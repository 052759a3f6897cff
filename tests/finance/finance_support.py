"""GraphQL documents and shortcuts of the finance tests (budgets P4.1.3, settlement P1.1)."""

from __future__ import annotations

DECLARE = """mutation($input: DeclareBudgetInput!) { declareBudget(input: $input) {
  budget { id department category month declared committed spent remaining currency status
           approvalId }
  errors { field code message } } }"""
BUDGETS = """query($f: BudgetFilter) { budgets(first: 20, filter: $f) { totalCount
  edges { node { department category month declared committed spent remaining status } } } }"""
SPEND = """mutation($amount: Decimal, $currency: String, $line: BudgetLineInput,
                  $over: Boolean!) {
  submitApproval(input: {kind: "PURCHASE", reason: "linen", amount: $amount,
                         currency: $currency, budgetLine: $line, overBudget: $over}) {
    approval { id status requiredRole levels }
    errors { field code message } } }"""
DECIDE = """mutation($id: ID!, $d: ApprovalDecisionKind!, $c: String!) {
  decideApproval(input: {approvalId: $id, decision: $d, comment: $c}) {
    approval { status currentLevel requiredRole }
    errors { field code message } } }"""
LINE = {"department": "BOOKING_CRM", "category": "Linen", "month": "2026-12"}


def declaration(**changes) -> dict:
    given = {
        "department": "BOOKING_CRM",
        "category": "Linen",
        "month": "2026-12",
        "amount": "5000.00",
        "currency": "CNY",
        "reason": "December linen and laundry",
    }
    return {**given, **changes}


async def declare(gql, token: str, **changes) -> dict:
    reply = await gql(DECLARE, {"input": declaration(**changes)}, token=token)
    assert reply.errors == [], reply.body
    return reply.data["declareBudget"]


async def decide(gql, token: str, approval_id: str, decision: str = "APPROVE") -> dict:
    reply = await gql(DECIDE, {"id": approval_id, "d": decision, "c": "considered"}, token=token)
    assert reply.errors == [], reply.body
    return reply.data["decideApproval"]


async def active_budget(gql, person, amount: str = "5000.00", **changes) -> dict:
    """A budget line declared by one supervisor and approved by another."""
    declarer, approver = await person("supervisor"), await person("supervisor")
    declared = await declare(gql, declarer.token, amount=amount, **changes)
    assert declared["errors"] == [], declared["errors"]
    decided = await decide(gql, approver.token, declared["budget"]["approvalId"])
    assert decided["errors"] == [] and decided["approval"]["status"] == "APPROVED"
    return declared["budget"]


async def spend(
    gql,
    token: str,
    amount: str,
    *,
    over: bool = False,
    line: dict | None = None,
    currency: str = "CNY",
) -> dict:
    reply = await gql(
        SPEND,
        {"amount": amount, "currency": currency, "line": line or LINE, "over": over},
        token=token,
    )
    assert reply.errors == [], reply.body
    return reply.data["submitApproval"]
