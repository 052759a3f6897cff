"""Approvals by amount (P4.1.1) and emergency authorisation (P4.1.2) through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock import clock
from domain.models import ApprovalRequest, Notification
from workers.jobs import expire_approvals

SUBMIT = """mutation($amount: Decimal, $emergency: Boolean!) {
  submitApproval(input: {kind: "PURCHASE", reason: "new linen for floor 3", amount: $amount,
                         currency: "CNY", emergency: $emergency}) {
    approval { id status requiredRole emergency submittedBy { displayName } }
    errors { field code } } }"""
DECIDE = """mutation($id: ID!, $d: ApprovalDecisionKind!, $c: String!) {
  decideApproval(input: {approvalId: $id, decision: $d, comment: $c}) {
    approval { status decisions { level role decision decidedBy { displayName } } }
    errors { field code message } } }"""
LIST = """query($f: ApprovalFilter) { approvals(first: 20, filter: $f) { totalCount
  edges { node { id kind status requiredRole } } } }"""


async def _submit(gql, token, amount, emergency=False):
    reply = await gql(SUBMIT, {"amount": amount, "emergency": emergency}, token=token)
    return reply.data["submitApproval"]


@pytest.mark.policy("P4.1.1")
@pytest.mark.parametrize(
    ("amount", "role"),
    [
        ("9999.99", "supervisor"),
        ("10000", "director"),
        ("100000", "director"),
        ("100000.01", "committee"),
    ],
)
async def test_the_amount_decides_who_approves(gql, person, amount, role):
    agent = await person("booking_agent")
    submitted = await _submit(gql, agent.token, amount)
    assert submitted["errors"] == []
    assert submitted["approval"]["requiredRole"] == role


@pytest.mark.policy("P4.1.1")
async def test_a_supervisor_cannot_sign_what_the_director_must(gql, person):
    agent, supervisor, director = (
        await person("booking_agent"),
        await person("supervisor"),
        await person("director"),
    )
    approval = (await _submit(gql, agent.token, "50000"))["approval"]
    refused = await gql(
        DECIDE, {"id": approval["id"], "d": "APPROVE", "c": ""}, token=supervisor.token
    )
    assert refused.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    signed = await gql(
        DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=director.token
    )
    result = signed.data["decideApproval"]["approval"]
    assert result["status"] == "APPROVED"
    assert result["decisions"][0]["role"] == "director"
    again = await gql(
        DECIDE, {"id": approval["id"], "d": "REJECT", "c": "late"}, token=director.token
    )
    assert again.data["decideApproval"]["errors"][0]["code"] == "ALREADY_DECIDED"


async def test_nobody_decides_their_own_request_and_rejections_need_a_reason(gql, person):
    supervisor, other = await person("supervisor"), await person("supervisor")
    approval = (await _submit(gql, supervisor.token, "500"))["approval"]
    own = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": ""}, token=supervisor.token)
    assert own.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    bare = await gql(DECIDE, {"id": approval["id"], "d": "REJECT", "c": " "}, token=other.token)
    assert bare.data["decideApproval"]["errors"][0]["field"] == "comment"
    assert await ApprovalRequest.filter(status="PENDING").count() == 1


@pytest.mark.policy("P4.1.2")
async def test_emergency_is_authorised_at_once_and_formal_paperwork_follows(gql, person):
    agent, supervisor, director = (
        await person("booking_agent"),
        await person("supervisor"),
        await person("director"),
    )
    emergency = (await _submit(gql, agent.token, "60000", emergency=True))["approval"]
    assert emergency["emergency"] is True and "supervisor" in emergency["requiredRole"]
    decided = await gql(
        DECIDE, {"id": emergency["id"], "d": "APPROVE", "c": "burst pipe"}, token=supervisor.token
    )
    assert decided.data["decideApproval"]["approval"]["status"] == "APPROVED"
    paperwork = await ApprovalRequest.get(kind="PURCHASE_PAPERWORK")
    assert paperwork.required_role == "director"
    assert paperwork.due_at == clock.now() + dt.timedelta(days=3)
    # Nobody files the paperwork in time: the request expires and the director hears of it.
    clock.advance(dt.timedelta(days=3, minutes=1))
    assert await expire_approvals({}) == 1
    await paperwork.refresh_from_db()
    assert paperwork.status == "EXPIRED"
    assert await Notification.filter(
        account_id=director.account.id, kind="EMERGENCY_PAPERWORK_MISSING"
    ).exists()


async def test_staff_who_do_not_decide_see_only_their_own_requests(gql, person):
    agent, cs, supervisor = (
        await person("booking_agent"),
        await person("cs_rep"),
        await person("supervisor"),
    )
    await _submit(gql, agent.token, "100")
    await _submit(gql, cs.token, "200")
    await _submit(gql, supervisor.token, "300")
    mine = await gql(LIST, token=agent.token)
    assert mine.data["approvals"]["totalCount"] == 1
    everything = await gql(LIST, token=supervisor.token)
    assert everything.data["approvals"]["totalCount"] == 3
    waiting = await gql(LIST, {"f": {"awaitingMyDecision": True}}, token=supervisor.token)
    assert waiting.data["approvals"]["totalCount"] == 2


@pytest.mark.parametrize("role", ["booking_agent", "auditor"])
async def test_roles_that_do_not_decide_are_refused(gql, person, role):
    agent, someone = await person("cs_rep"), await person(role)
    approval = (await _submit(gql, agent.token, "100"))["approval"]
    reply = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": ""}, token=someone.token)
    assert reply.error_codes == ["FORBIDDEN"]


async def test_finance_decides_only_the_levels_that_name_it(gql, person):
    """Finance decides approvals (its special permission over budget, P4.1.3), but only a
    level that names the finance role: an ordinary request is refused in the payload."""
    agent, finance = await person("cs_rep"), await person("finance")
    approval = (await _submit(gql, agent.token, "100"))["approval"]
    reply = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": ""}, token=finance.token)
    assert reply.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await ApprovalRequest.get()).status == "PENDING"


async def test_guests_and_partners_cannot_submit(gql, person, partner):
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (guest.token, secret):
        reply = await gql(SUBMIT, {"amount": "1", "emergency": False}, token=token)
        assert reply.error_codes == ["FORBIDDEN"]
    assert await ApprovalRequest.all().count() == 0
