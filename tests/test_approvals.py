"""Approvals by amount (P4.1.1) and emergency authorisation (P4.1.2) through the API."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from strawberry.relay import GlobalID

from domain.clock import clock
from domain.models import ApprovalRequest, Notification
from workers.jobs import expire_approvals, remind_emergency_paperwork

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


def approval_pk(global_id: str) -> str:
    return GlobalID.from_id(global_id).node_id


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


# ---- committee quorum, emergency paperwork reminders, what waits for me (issue 10) ----------

WAITING = """{ approvals(first: 20, filter: {waitingForMe: true}) { totalCount
  edges { node { id kind status requiredRole levels currentLevel dueAt paperworkDueAt } } } }"""


async def _waiting(gql, token) -> list[dict]:
    reply = await gql(WAITING, token=token)
    return [e["node"] for e in reply.data["approvals"]["edges"]]


@pytest.mark.policy("P4.1.1")
async def test_the_committee_decides_by_a_quorum_of_distinct_members(gql, person):
    agent = await person("booking_agent")
    a, b, c = await person("committee"), await person("committee"), await person("committee")
    approval = (await _submit(gql, agent.token, "150000"))["approval"]
    assert approval["requiredRole"] == "committee"
    first = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=a.token)
    assert first.data["decideApproval"]["approval"]["status"] == "PENDING"
    # The same member twice does not make a quorum.
    twice = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=a.token)
    assert twice.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    assert await _waiting(gql, a.token) == []  # a voted: it waits for the others
    [waiting] = await _waiting(gql, b.token)
    assert (waiting["levels"], waiting["currentLevel"]) == (2, 2)
    second = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=b.token)
    decided = second.data["decideApproval"]["approval"]
    assert decided["status"] == "APPROVED"
    assert len({d["decidedBy"]["displayName"] for d in decided["decisions"]}) == 2
    late = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=c.token)
    assert late.data["decideApproval"]["errors"][0]["code"] == "ALREADY_DECIDED"


@pytest.mark.policy("P4.1.1")
async def test_the_quorum_is_a_parameter_and_an_objection_ends_the_request(gql, person):
    from tests.dual_review_support import set_parameter_reviewed

    await set_parameter_reviewed("approval_committee_quorum", "3", "larger committee")
    agent = await person("booking_agent")
    members = [await person("committee") for _ in range(3)]
    approval = (await _submit(gql, agent.token, "150000"))["approval"]
    row = await ApprovalRequest.get(id=int(approval_pk(approval["id"])))
    assert row.levels == [["committee"]] * 3
    for member in members[:2]:
        await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": "ok"}, token=member.token)
    assert (await ApprovalRequest.get(id=row.id)).status == "PENDING"  # two of three
    objection = await gql(
        DECIDE, {"id": approval["id"], "d": "REJECT", "c": "over budget"}, token=members[2].token
    )
    assert objection.data["decideApproval"]["approval"]["status"] == "REJECTED"


@pytest.mark.parametrize("role", ["supervisor", "director"])
async def test_other_roles_do_not_decide_for_the_committee(gql, person, role):
    agent, someone = await person("booking_agent"), await person(role)
    approval = (await _submit(gql, agent.token, "150000"))["approval"]
    reply = await gql(DECIDE, {"id": approval["id"], "d": "APPROVE", "c": ""}, token=someone.token)
    assert reply.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    assert (await ApprovalRequest.get()).status == "PENDING"


@pytest.mark.policy("P4.1.2")
async def test_emergency_paperwork_is_reminded_once_and_reported_overdue(gql, person):
    agent, supervisor = await person("booking_agent"), await person("supervisor")
    director = await person("director")
    emergency = (await _submit(gql, agent.token, "60000", emergency=True))["approval"]
    await gql(
        DECIDE, {"id": emergency["id"], "d": "APPROVE", "c": "burst pipe"}, token=supervisor.token
    )
    [paperwork] = await _waiting(gql, director.token)
    due = clock.now() + dt.timedelta(days=3)
    assert paperwork["kind"] == "PURCHASE_PAPERWORK"
    assert dt.datetime.fromisoformat(paperwork["dueAt"]) == due
    stored = await ApprovalRequest.get(kind="PURCHASE")
    assert stored.paperwork_due_at == due
    assert await remind_emergency_paperwork({}) == 0  # not within 24 hours of the deadline yet
    clock.advance(dt.timedelta(days=2, minutes=1))
    assert await remind_emergency_paperwork({}) == 1
    assert await remind_emergency_paperwork({}) == 0  # reminded once, however often it runs
    reminded = await Notification.filter(kind="EMERGENCY_PAPERWORK_DUE").values_list(
        "account_id", flat=True
    )
    assert sorted(reminded) == sorted([director.account.id, agent.account.id])
    clock.advance(dt.timedelta(days=1))
    assert await expire_approvals({}) == 1
    assert (await ApprovalRequest.get(kind="PURCHASE_PAPERWORK")).status == "EXPIRED"
    assert await Notification.filter(
        account_id=director.account.id, kind="EMERGENCY_PAPERWORK_MISSING"
    ).exists()


@pytest.mark.policy("P4.1.2")
async def test_a_reminder_run_killed_midway_sends_nothing_twice_and_misses_nothing(gql, person):
    from domain import authority
    from domain.actor import SYSTEM
    from domain.unit_of_work import audited

    agent, supervisor = await person("booking_agent"), await person("supervisor")
    await person("director")
    for _ in range(3):
        emergency = (await _submit(gql, agent.token, "60000", emergency=True))["approval"]
        await gql(
            DECIDE, {"id": emergency["id"], "d": "APPROVE", "c": "flood"}, token=supervisor.token
        )
    clock.advance(dt.timedelta(days=2, hours=1))

    async def killed_after_first_batch():
        await authority.remind_paperwork(limit=1)
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        await audited(
            SYSTEM, "remindEmergencyPaperwork", "ApprovalRequest", killed_after_first_batch
        )
    assert await Notification.filter(kind="EMERGENCY_PAPERWORK_DUE").count() == 0
    assert (
        await audited(
            SYSTEM,
            "remindEmergencyPaperwork",
            "ApprovalRequest",
            lambda: authority.remind_paperwork(limit=1),
        )
        == 1
    )
    assert await remind_emergency_paperwork({}) == 2
    assert await remind_emergency_paperwork({}) == 0
    per_request = await Notification.filter(kind="EMERGENCY_PAPERWORK_DUE").values_list(
        "subject_id", flat=True
    )
    # Each of the three requests reminded its director and its submitter exactly once.
    assert sorted(Counter(per_request).values()) == [2, 2, 2]


@pytest.mark.policy("P4.1.2")
async def test_paperwork_is_decided_by_someone_else_than_its_submitter(gql, person):
    supervisor, other = await person("supervisor"), await person("supervisor")
    emergency = (await _submit(gql, supervisor.token, "500", emergency=True))["approval"]
    own = await gql(
        DECIDE, {"id": emergency["id"], "d": "APPROVE", "c": ""}, token=supervisor.token
    )
    assert own.data["decideApproval"]["errors"][0]["code"] == "FORBIDDEN"
    await gql(DECIDE, {"id": emergency["id"], "d": "APPROVE", "c": "ok"}, token=other.token)
    paperwork = await ApprovalRequest.get(kind="PURCHASE_PAPERWORK")
    assert paperwork.submitted_by_account_id == supervisor.account.id
    assert await _waiting(gql, supervisor.token) == []  # not their own paperwork
    assert [p["kind"] for p in await _waiting(gql, other.token)] == ["PURCHASE_PAPERWORK"]


NOTICES = "{ notifications(first: 10) { nodes { kind title body } } }"


@pytest.mark.policy("P4.1.1")
async def test_notices_of_approvals_read_in_the_readers_language(gql, person):
    """Stored once in English; each reader sees the title in their own language (a saved
    preference or Accept-Language), the decision's status too, user text such as the reason
    and the free-text kind as it was written."""
    agent, supervisor = await person("booking_agent"), await person("supervisor")
    submitted = await _submit(gql, agent.token, "50")
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    shown = await gql(NOTICES, token=supervisor.token, headers=chinese)
    [notice] = shown.data["notifications"]["nodes"]
    assert notice["kind"] == "APPROVAL_WAITING"
    assert notice["title"] == "Purchase 等待您的决定（第 1 级，共 1 级）"
    assert notice["body"] == "new linen for floor 3"
    english = await gql(NOTICES, token=supervisor.token)
    assert english.data["notifications"]["nodes"][0]["title"] == (
        "Purchase waits for your decision (level 1 of 1)"
    )
    await gql(
        DECIDE, {"id": submitted["approval"]["id"], "d": "APPROVE", "c": ""}, token=supervisor.token
    )
    decided = await gql(NOTICES, token=agent.token, headers=chinese)
    assert [n["title"] for n in decided.data["notifications"]["nodes"]] == [
        "Purchase 申请结果：批准"
    ]
