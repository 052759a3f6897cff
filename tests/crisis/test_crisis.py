"""Crisis groups through the API: a director convenes a group of a director, a supervisor and a
technical lead for named matters until an expiry; its members decide those approvals in one
step as the highest authority, tagged with the group in the decision and the audit trail; it
ends by decision or on expiry (a job that may be killed and rerun), telling its members once,
and its record is archived; refusals write nothing (P4.1.4)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.documents import uploads
from domain.models import (
    ApprovalDecision,
    ApprovalRequest,
    AuditEntry,
    CrisisAction,
    CrisisGroup,
    CrisisMember,
    Document,
    Notification,
)
from domain.policy_params import params
from tests.conftest import fresh_archive
from workers.jobs import expire_crisis_groups

SUBMIT = """mutation($kind: String!, $amount: Decimal) {
  submitApproval(input: {kind: $kind, reason: "generator repair", amount: $amount,
                         currency: "CNY", emergency: false}) {
    approval { id requiredRole } errors { code } } }"""
DECIDE = """mutation($id: ID!, $d: ApprovalDecisionKind!, $c: String!) {
  decideApproval(input: {approvalId: $id, decision: $d, comment: $c}) {
    approval { status decisions { level role decision comment decidedBy { email } } }
    errors { field code } } }"""
CONVENE = """mutation($input: ConveneCrisisGroupInput!) { conveneCrisisGroup(input: $input) {
  crisisGroup { id status active matters expiresAt members { role person { email } }
                convenedBy { email } }
  errors { field code } } }"""
DISSOLVE = """mutation($id: ID!, $r: String!) {
  dissolveCrisisGroup(input: {groupId: $id, reason: $r}) {
  crisisGroup { id status active endReason documentId
                actions { action subjectType role actor { email } } }
  errors { field code } } }"""
LIST = """{ crisisGroups(first: 10) { totalCount edges { node { id status } } } }"""


@pytest.fixture(autouse=True)
def archive(tmp_path):
    with fresh_archive(tmp_path) as fresh:
        yield fresh


async def _crew(person):
    return await person("director"), await person("supervisor"), await person("tech_lead")


async def _submit(gql, who, kind="PURCHASE", amount="500000"):
    reply = await gql(SUBMIT, {"kind": kind, "amount": amount}, token=who.token)
    assert reply.data["submitApproval"]["errors"] == [], reply.body
    return reply.data["submitApproval"]["approval"]


async def _convene(gql, director, members, *, hours=6, matters=("PURCHASE",), **changes):
    values = {
        "reason": "Power outage in the east wing",
        "matters": list(matters),
        "memberEmails": [m.account.email for m in members],
        "expiresAt": (clock.now() + dt.timedelta(hours=hours)).isoformat(),
    }
    values.update(changes)
    reply = await gql(CONVENE, {"input": values}, token=director.token)
    return reply.data["conveneCrisisGroup"]


async def _decide(gql, who, approval_id, decision="APPROVE", comment="generator first"):
    values = {"id": approval_id, "d": decision, "c": comment}
    reply = await gql(DECIDE, values, token=await _tok(who))
    return reply.data["decideApproval"]


async def _tok(who) -> str:
    """A fresh access token: the clock moves past the fixture's."""
    return (await tokens.issue_session(who.account)).access_token


def _record(archive, document: Document) -> str:
    return archive.read_bytes(document.archive_id, document.tier, document.storage_key).decode()


@pytest.mark.policy("P4.1.4")
async def test_a_member_decides_a_named_matter_in_one_step_as_the_highest_authority(gql, person):
    director, supervisor, tech = await _crew(person)
    agent = await person("booking_agent")
    committee_level = await _submit(gql, agent)
    assert committee_level["requiredRole"] == "committee"
    other_kind = await _submit(gql, agent, kind="TRAINING", amount="500000")
    # Outside a group a technical lead decides nothing, a supervisor nothing above them.
    assert (await _decide(gql, tech, committee_level["id"]))["errors"][0]["code"] == "FORBIDDEN"

    convened = await _convene(gql, director, [supervisor, tech])
    assert convened["errors"] == []
    group = convened["crisisGroup"]
    assert (group["status"], group["active"], group["matters"]) == ("ACTIVE", True, ["PURCHASE"])
    assert {m["person"]["email"]: m["role"] for m in group["members"]} == {
        director.account.email: "director",
        supervisor.account.email: "supervisor",
        tech.account.email: "tech_lead",
    }
    told = await Notification.filter(kind="CRISIS_GROUP_CONVENED").values_list(
        "account_id", flat=True
    )
    assert sorted(told) == sorted([supervisor.account.id, tech.account.id])

    # Members find what waits for them; others are shown nothing through the group.
    pending = """{ crisisGroups(first: 5) { edges { node { pendingApprovals { id kind } } } } }"""
    shown = await gql(pending, token=tech.token)
    [edge] = shown.data["crisisGroups"]["edges"]
    assert edge["node"]["pendingApprovals"] == [{"id": committee_level["id"], "kind": "PURCHASE"}]
    hr = await person("hr")
    [edge] = (await gql(pending, token=hr.token)).data["crisisGroups"]["edges"]
    assert edge["node"]["pendingApprovals"] == []

    decided = await _decide(gql, tech, committee_level["id"])
    assert decided["errors"] == []
    approval = decided["approval"]
    assert approval["status"] == "APPROVED"
    [decision] = approval["decisions"]
    assert decision["role"] == "committee" and decision["decidedBy"]["email"] == tech.account.email
    group_id = (await CrisisGroup.get()).id
    assert decision["comment"] == f"Under the authority of crisis group {group_id}: generator first"
    entry = await AuditEntry.filter(action="decideApproval", outcome="SUCCESS").get()
    assert entry.detail.startswith(f"crisis group {group_id}: decided as committee")
    action = await CrisisAction.get()
    assert (action.account_id, action.subject_id, action.role) == (
        tech.account.id,
        str((await ApprovalRequest.get(kind="PURCHASE")).id),
        "committee",
    )
    # A kind the group does not name stays with its own authority.
    assert (await _decide(gql, supervisor, other_kind["id"]))["errors"][0]["code"] == "FORBIDDEN"
    assert await CrisisAction.all().count() == 1


@pytest.mark.policy("P4.1.4")
async def test_expiry_ends_the_authority_and_a_killed_job_rerun_ends_it_once(
    gql, person, archive, monkeypatch
):
    director, supervisor, tech = await _crew(person)
    agent = await person("booking_agent")
    first = await _submit(gql, agent)
    second = await _submit(gql, agent)
    group = (await _convene(gql, director, [supervisor, tech], hours=2))["crisisGroup"]
    assert (await _decide(gql, supervisor, first["id"]))["errors"] == []

    clock.advance(dt.timedelta(hours=2, minutes=1))
    # Acting after expiry: refused, nothing written (the job has not run yet).
    late = await _decide(gql, tech, second["id"])
    assert late["errors"][0]["code"] == "FORBIDDEN"
    assert await ApprovalDecision.all().count() == 1
    assert (await ApprovalRequest.filter(status="PENDING").count()) == 1
    assert await CrisisAction.all().count() == 1
    dissolved_late = await gql(
        DISSOLVE, {"id": group["id"], "r": "over"}, token=await _tok(director)
    )
    assert dissolved_late.data["dissolveCrisisGroup"]["errors"][0]["code"] == "ALREADY_DECIDED"

    # The job is killed after writing the archive copy, before its transaction commits.
    real = uploads.create_document

    async def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(uploads, "create_document", killed)
    with pytest.raises(RuntimeError):
        await expire_crisis_groups({})
    row = await CrisisGroup.get()
    assert row.status == "ACTIVE" and row.document_id is None
    assert await Notification.filter(kind="CRISIS_GROUP_ENDED").count() == 0

    monkeypatch.setattr(uploads, "create_document", real)
    ended = await asyncio.gather(expire_crisis_groups({}), expire_crisis_groups({}))
    assert sum(ended) == 1
    assert await expire_crisis_groups({}) == 0
    row = await CrisisGroup.get()
    assert row.status == "EXPIRED" and row.ended_at is not None
    told = await Notification.filter(kind="CRISIS_GROUP_ENDED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([director.account.id, supervisor.account.id, tech.account.id])

    document = await Document.get(id=row.document_id)
    assert (document.kind, document.tier) == ("WORK_RECORD", 3)
    assert (document.related_subject_type, document.related_subject_id) == (
        "CrisisGroup",
        str(row.id),
    )
    record = _record(archive, document)
    decided_id = (await ApprovalRequest.get(status="APPROVED")).id
    for text in (
        "Power outage in the east wing",
        "Matters: PURCHASE",
        supervisor.account.display_name,
        tech.account.display_name,
        f"decideApproval ApprovalRequest {decided_id} as committee",
        "APPROVE: Under the authority of crisis group",
        "expired",
    ):
        assert text in record, text


@pytest.mark.policy("P4.1.4")
async def test_a_director_dissolves_the_group_once_and_its_record_is_archived(gql, person, archive):
    director, supervisor, tech = await _crew(person)
    other_director = await person("director")
    agent = await person("booking_agent")
    approval = await _submit(gql, agent)
    group = (await _convene(gql, director, [supervisor, tech]))["crisisGroup"]
    refused = await gql(DISSOLVE, {"id": group["id"], "r": "calm"}, token=supervisor.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    no_reason = await gql(DISSOLVE, {"id": group["id"], "r": " "}, token=director.token)
    assert no_reason.data["dissolveCrisisGroup"]["errors"][0]["code"] == "REQUIRED"

    reply = await gql(
        DISSOLVE, {"id": group["id"], "r": "Power is back"}, token=other_director.token
    )
    dissolved = reply.data["dissolveCrisisGroup"]
    assert dissolved["errors"] == []
    assert dissolved["crisisGroup"]["status"] == "DISSOLVED"
    assert dissolved["crisisGroup"]["active"] is False
    assert dissolved["crisisGroup"]["endReason"] == "Power is back"
    assert dissolved["crisisGroup"]["documentId"]
    told = await Notification.filter(kind="CRISIS_GROUP_ENDED").count()
    assert told == 3  # the three members; the dissolving director sits in no seat

    again = await gql(DISSOLVE, {"id": group["id"], "r": "again"}, token=director.token)
    assert again.data["dissolveCrisisGroup"]["errors"][0]["code"] == "ALREADY_DECIDED"
    assert await Notification.filter(kind="CRISIS_GROUP_ENDED").count() == 3
    assert await Document.all().count() == 1
    # After dissolution the authority is gone: nothing is decided, nothing recorded.
    after = await _decide(gql, tech, approval["id"])
    assert after["errors"][0]["code"] == "FORBIDDEN"
    assert await ApprovalDecision.all().count() == 0 and await CrisisAction.all().count() == 0
    document = await Document.get()
    assert "Power is back" in _record(archive, document)
    assert await expire_crisis_groups({}) == 0


@pytest.mark.policy("P4.1.4")
@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("no_tech_lead", "memberEmails", "REQUIRED"),
        ("one_person_two_seats", "memberEmails", "REQUIRED"),
        ("agent_member", "memberEmails", "INVALID"),
        ("unknown_member", "memberEmails", "NOT_FOUND"),
        ("past_expiry", "expiresAt", "OUT_OF_RANGE"),
        ("too_long", "expiresAt", "OUT_OF_RANGE"),
        ("unknown_matter", "matters", "INVALID"),
        ("no_matter", "matters", "REQUIRED"),
        ("no_reason", "reason", "REQUIRED"),
    ],
)
async def test_bad_groups_are_refused_and_write_nothing(gql, person, case, field, code):
    director, supervisor, tech = await _crew(person)
    await _submit(gql, await person("booking_agent"))
    members, changes, hours = [supervisor, tech], {}, 6
    if case == "no_tech_lead":
        members = [supervisor]
    elif case == "one_person_two_seats":
        both = await person("supervisor")
        both.account.roles = ["supervisor", "tech_lead"]
        await both.account.save()
        members = [both]
    elif case == "agent_member":
        members = [supervisor, tech, await person("booking_agent")]
    elif case == "unknown_member":
        changes["memberEmails"] = [supervisor.account.email, "nobody@test.hotel"]
    elif case == "past_expiry":
        hours = -1
    elif case == "too_long":
        hours = await params.crisis_group_max_hours + 1
    elif case == "unknown_matter":
        changes["matters"] = ["PURCHASE", "LAUNCH_ROCKET"]
    elif case == "no_matter":
        changes["matters"] = []
    elif case == "no_reason":
        changes["reason"] = "  "
    refused = await _convene(gql, director, members, hours=hours, **changes)
    assert refused["crisisGroup"] is None
    assert (refused["errors"][0]["field"], refused["errors"][0]["code"]) == (field, code)
    assert await CrisisGroup.all().count() == 0 and await CrisisMember.all().count() == 0
    assert await Notification.filter(kind="CRISIS_GROUP_CONVENED").count() == 0
    rejected = await AuditEntry.filter(action="conveneCrisisGroup").values_list(
        "outcome", flat=True
    )
    assert rejected == ["REJECTED"]


@pytest.mark.policy("P4.1.4")
async def test_wrong_callers_are_refused_and_members_see_their_groups(gql, person, partner):
    director, supervisor, tech = await _crew(person)
    await _submit(gql, await person("booking_agent"))
    values = {
        "reason": "Flood",
        "matters": ["PURCHASE"],
        "memberEmails": [supervisor.account.email, tech.account.email],
        "expiresAt": (clock.now() + dt.timedelta(hours=1)).isoformat(),
    }
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (supervisor.token, tech.token, guest.token, secret, None):
        refused = await gql(CONVENE, {"input": values}, token=token)
        assert refused.errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
        listed = await gql(LIST, token=token)
        if token in (supervisor.token, tech.token):
            assert listed.data["crisisGroups"]["totalCount"] == 0
        else:
            assert listed.errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await CrisisGroup.all().count() == 0

    assert (await _convene(gql, director, [supervisor, tech]))["errors"] == []
    outsider = await person("supervisor")
    hr, agent = await person("hr"), await person("booking_agent")
    counts = {}
    for who in (supervisor, tech, outsider, hr, director):
        reply = await gql(LIST, token=who.token)
        counts[who.account.email] = reply.data["crisisGroups"]["totalCount"]
    assert counts == {
        supervisor.account.email: 1,
        tech.account.email: 1,
        outsider.account.email: 0,
        hr.account.email: 1,
        director.account.email: 1,
    }
    refused = await gql(LIST, token=agent.token)
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    group_id = (await gql(LIST, token=hr.token)).data["crisisGroups"]["edges"][0]["node"]["id"]
    node = """query($id: ID!) { node(id: $id) { ... on CrisisGroup { id reason } } }"""
    assert (await gql(node, {"id": group_id}, token=outsider.token)).data["node"] is None
    seen = await gql(node, {"id": group_id}, token=tech.token)
    assert seen.data["node"]["reason"] == "Power outage in the east wing"


@pytest.mark.policy("P4.1.4")
async def test_an_urgent_booking_change_is_applied_by_one_crisis_decision(gql, person):
    from tests.bookings.booking_support import CHANGE, TODAY, book, make_hotel
    from tests.conftest import archived_authorisation

    hotel = await make_hotel()
    document = await archived_authorisation(42)
    director, supervisor, tech = await _crew(person)
    agent = await person("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + dt.timedelta(days=1), 2)
    new_out = (TODAY + dt.timedelta(days=4)).isoformat()
    change = {
        "bookingId": booking["id"],
        "authorization": {"kind": "WRITTEN_DOCUMENT", "documentId": document},
        "checkOut": new_out,
    }
    reply = await gql(CHANGE, {"input": change}, token=agent.token)
    request = reply.data["requestBookingChange"]["changeRequest"]
    assert request["status"] == "PENDING_APPROVAL" and request["urgent"] is True
    convened = await _convene(gql, director, [supervisor, tech], matters=["booking_change"])
    assert convened["errors"] == []

    decided = await _decide(gql, tech, request["approvalId"], comment="guests moved wings")
    assert decided["errors"] == []
    assert decided["approval"]["status"] == "APPROVED"
    assert [(d["level"], d["role"]) for d in decided["approval"]["decisions"]] == [(1, "director")]
    changed = await gql(
        """query($n: String!) { booking(number: $n) { checkOut
        changeRequests { status } } }""",
        {"n": booking["number"]},
        token=agent.token,
    )
    assert changed.data["booking"]["checkOut"] == new_out
    assert changed.data["booking"]["changeRequests"][0]["status"] == "APPLIED"


WAITING = """{ approvals(first: 10, filter: {waitingForMe: true}) {
  edges { node { id kind dueAt } } } }"""


@pytest.mark.policy("P4.1.4")
async def test_members_are_told_of_new_requests_in_their_matters_and_find_them_waiting(gql, person):
    director, supervisor, tech = await _crew(person)
    agent = await person("booking_agent")
    earlier = await _submit(gql, agent)  # before the group: its members were told nothing
    assert not await Notification.filter(account_id=tech.account.id).exists()
    convened = await _convene(gql, director, [supervisor, tech])
    assert convened["errors"] == []
    group_id = convened["crisisGroup"]["id"]
    group_pk = (await CrisisGroup.get()).id

    purchase = await _submit(gql, agent)  # the committee's level: no member holds that role
    await _submit(gql, agent, kind="TRAINING", amount="500000")  # not a matter of the group
    told = await Notification.filter(kind="APPROVAL_WAITING", title__contains="crisis group")
    assert sorted(n.account_id for n in told) == sorted(
        [director.account.id, supervisor.account.id, tech.account.id]
    )
    assert {n.title for n in told} == {
        f"Purchase waits for the decision of crisis group {group_pk}"
    }
    newest = await ApprovalRequest.filter(kind="PURCHASE").order_by("-id").first()
    assert {n.subject_id for n in told} == {str(newest.id)}
    # `approvals` lists them as waiting for the technical lead, who decides nothing by role.
    shown = await gql(WAITING, token=tech.token)
    assert [e["node"]["id"] for e in shown.data["approvals"]["edges"]] == [
        purchase["id"],
        earlier["id"],
    ]
    node = "query($id: ID!) { node(id: $id) { id } }"
    seen = await gql(node, {"id": purchase["id"]}, token=tech.token)
    assert seen.data["node"] == {"id": purchase["id"]}

    # A member who submits is not told of their own request.
    await Notification.all().delete()
    await _submit(gql, tech, amount="10")
    told = await Notification.filter(kind="APPROVAL_WAITING").values_list("account_id", flat=True)
    assert tech.account.id not in told
    assert {director.account.id, supervisor.account.id} <= set(told)

    # Once the group is dissolved its members are no longer told, nor shown the matter waiting.
    dissolved = await gql(DISSOLVE, {"id": group_id, "r": "power back"}, token=director.token)
    assert dissolved.data["dissolveCrisisGroup"]["errors"] == []
    await Notification.all().delete()
    await _submit(gql, agent)
    assert not await Notification.filter(account_id=tech.account.id).exists()
    assert (await gql(WAITING, token=tech.token)).data["approvals"]["edges"] == []
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(node, {"id": purchase["id"]}, token=tech.token)).data["node"] is None
