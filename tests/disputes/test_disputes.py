"""Disputes through the API: the ladder in order, who records each step's outcome, the appeal
to HR and the committee's final ruling, the arbitration deadline and its one extension, the
joint meeting of a cross-department dispute, every outcome archived, and who sees what
(P7.2.1-P7.2.5)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import Dispute, DisputeEvent, Document, Meeting, MeetingParticipant
from domain.policy_params import params
from tests.conftest import fresh_archive
from tests.dual_review_support import set_parameter_reviewed
from workers.jobs import arbitration_deadlines

OPEN = """mutation($input: OpenDisputeInput!) { openDispute(input: $input) {
  dispute { id step status crossDepartment openerDepartment otherDepartment
            otherParty { email } } errors { field code } } }"""
ESCALATE = """mutation($id: ID!, $to: DisputeStep!) { escalateDispute(input: {disputeId: $id,
  toStep: $to, reason: "we could not agree"}) { dispute { step status arbitrationDueAt
  jointMeeting { id kind participants { person { email } } } } errors { field code } } }"""
DECIDE = """mutation($id: ID!, $o: String!) { decideDispute(input: {disputeId: $id, outcome: $o}) {
  dispute { status outcome events { kind step documentId } } errors { field code } } }"""
EXTEND = """mutation($id: ID!) {
  extendArbitration(input: {disputeId: $id, reason: "witness away"}) {
  dispute { arbitrationDueAt arbitrationExtended } errors { code } } }"""
LIST = """{ disputes(first: 10) { totalCount edges { node { id subject } } } }"""


@pytest.fixture(autouse=True)
def archive(tmp_path):
    with fresh_archive(tmp_path) as fresh:
        yield fresh


async def _tok(who) -> str:
    return (await tokens.issue_session(who.account)).access_token


async def _open(gql, opener, **other):
    values = {"subject": "Shift swap", "description": "Who covers the Sunday late shift."}
    values.update(other)
    reply = await gql(OPEN, {"input": values}, token=await _tok(opener))
    return reply.data["openDispute"]


async def _move(gql, who, dispute_id, to):
    reply = await gql(ESCALATE, {"id": dispute_id, "to": to}, token=await _tok(who))
    return reply.data["escalateDispute"]


async def _decide(gql, who, dispute_id, outcome="Agreed: alternate Sundays."):
    reply = await gql(DECIDE, {"id": dispute_id, "o": outcome}, token=await _tok(who))
    return reply.data["decideDispute"]


@pytest.mark.policy("P7.2.1")
@pytest.mark.policy("P7.2.3")
async def test_the_ladder_runs_in_order_to_the_committee_whose_ruling_is_final(gql, person):
    agent, cs = await person("booking_agent"), await person("cs_rep")
    supervisor, director = await person("supervisor"), await person("director")
    hr, committee = await person("hr"), await person("committee")
    opened = await _open(gql, agent, otherPartyEmail=cs.account.email)
    assert opened["errors"] == []
    dispute = opened["dispute"]
    assert (dispute["step"], dispute["status"], dispute["crossDepartment"]) == (
        "DIRECT_TALK",
        "OPEN",
        False,
    )
    skip = await _move(gql, agent, dispute["id"], "ARBITRATION_PANEL")
    assert skip["errors"][0]["code"] == "INVALID_TRANSITION"
    outsider = await _move(gql, hr, dispute["id"], "SUPERVISOR_MEDIATION")
    assert outsider["errors"][0]["code"] == "NOT_FOUND"

    assert (await _move(gql, cs, dispute["id"], "SUPERVISOR_MEDIATION"))["errors"] == []
    party = await _decide(gql, agent, dispute["id"])
    assert party["errors"][0]["code"] == "FORBIDDEN"  # a party does not mediate
    mediated = await _decide(gql, supervisor, dispute["id"])
    assert mediated["dispute"]["status"] == "SETTLED"
    twice = await _decide(gql, supervisor, dispute["id"])
    assert twice["errors"][0]["code"] == "ALREADY_DECIDED"

    # The party who disagrees takes it further, one step at a time.
    panel = await _move(gql, cs, dispute["id"], "ARBITRATION_PANEL")
    assert panel["dispute"]["status"] == "OPEN"
    assert (await _decide(gql, director, dispute["id"], "Panel: agent covers"))["errors"] == []
    assert (await _move(gql, agent, dispute["id"], "HR_APPEAL"))["errors"] == []
    wrong_role = await _decide(gql, supervisor, dispute["id"])
    assert wrong_role["errors"][0]["code"] == "FORBIDDEN"
    assert (await _decide(gql, hr, dispute["id"], "HR: upheld"))["errors"] == []
    assert (await _move(gql, cs, dispute["id"], "MEDIATION_COMMITTEE"))["errors"] == []
    ruled = await _decide(gql, committee, dispute["id"], "Committee: alternate Sundays")
    assert ruled["dispute"]["status"] == "FINAL"
    beyond = await _move(gql, agent, dispute["id"], "MEDIATION_COMMITTEE")
    assert beyond["errors"][0]["code"] == "INVALID_TRANSITION"

    # P7.2.5: every outcome recorded and archived with the history.
    outcomes = [e for e in ruled["dispute"]["events"] if e["kind"] == "OUTCOME"]
    assert [e["step"] for e in outcomes] == [
        "SUPERVISOR_MEDIATION",
        "ARBITRATION_PANEL",
        "HR_APPEAL",
        "MEDIATION_COMMITTEE",
    ]
    assert all(e["documentId"] for e in outcomes)
    documents = await Document.filter(related_subject_type="Dispute")
    assert len(documents) == 4 and {d.kind for d in documents} == {"WORK_RECORD"}
    assert {d.tier for d in documents} == {3}


@pytest.mark.policy("P7.2.1")
async def test_fewer_steps_by_parameter_start_the_appeals_sooner(gql, person):
    agent, cs = await person("booking_agent"), await person("cs_rep")
    await set_parameter_reviewed("dispute_steps", "1", "direct talk only")
    dispute = (await _open(gql, agent, otherPartyEmail=cs.account.email))["dispute"]
    refused = await _move(gql, agent, dispute["id"], "SUPERVISOR_MEDIATION")
    assert refused["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await _move(gql, agent, dispute["id"], "HR_APPEAL"))["errors"] == []


@pytest.mark.policy("P7.2.2")
async def test_the_panel_decides_in_time_or_is_flagged_and_may_extend_once(gql, person):
    agent, cs, director = (
        await person("booking_agent"),
        await person("cs_rep"),
        await person("director"),
    )
    committee = await person("committee")
    dispute = (await _open(gql, agent, otherPartyEmail=cs.account.email))["dispute"]
    await _move(gql, agent, dispute["id"], "SUPERVISOR_MEDIATION")
    moved = await _move(gql, agent, dispute["id"], "ARBITRATION_PANEL")
    due = dt.datetime.fromisoformat(moved["dispute"]["arbitrationDueAt"])
    assert due == clock.now() + dt.timedelta(days=await params.arbitration_decision_days)
    party = await gql(EXTEND, {"id": dispute["id"]}, token=await _tok(agent))
    assert party.data["extendArbitration"]["errors"][0]["code"] == "FORBIDDEN"
    extended = await gql(EXTEND, {"id": dispute["id"]}, token=await _tok(committee))
    result = extended.data["extendArbitration"]["dispute"]
    extra = dt.timedelta(days=await params.arbitration_extension_days)
    assert dt.datetime.fromisoformat(result["arbitrationDueAt"]) == due + extra
    again = await gql(EXTEND, {"id": dispute["id"]}, token=await _tok(director))
    assert again.data["extendArbitration"]["errors"][0]["code"] == "ALREADY_DECIDED"

    clock.freeze(due + extra - dt.timedelta(minutes=1))
    assert await arbitration_deadlines({}) == 0
    clock.freeze(due + extra + dt.timedelta(minutes=1))
    flagged = await asyncio.gather(arbitration_deadlines({}), arbitration_deadlines({}))
    assert sum(flagged) == 1
    assert await DisputeEvent.filter(kind="OVERDUE").count() == 1
    # Still decided late, and then nothing more is flagged.
    assert (await _decide(gql, director, dispute["id"]))["errors"] == []
    assert await arbitration_deadlines({}) == 0


@pytest.mark.policy("P7.2.4")
async def test_a_cross_department_dispute_meets_with_both_heads(gql, person):
    agent, tech = await person("booking_agent"), await person("tech_lead")
    supervisor = await person("supervisor")
    opened = await _open(gql, agent, otherDepartment="engineering")
    dispute = opened["dispute"]
    assert (dispute["openerDepartment"], dispute["otherDepartment"]) == (
        "BOOKING_CRM",
        "ENGINEERING",
    )
    assert dispute["crossDepartment"] is True
    # The department's head is a party: they may escalate.
    moved = await _move(gql, tech, dispute["id"], "SUPERVISOR_MEDIATION")
    meeting = moved["dispute"]["jointMeeting"]
    assert meeting["kind"] == "SPECIAL"
    attending = {p["person"]["email"] for p in meeting["participants"]}
    assert {supervisor.account.email, tech.account.email, agent.account.email} <= attending
    row = await Meeting.get()
    notice = dt.timedelta(hours=await params.special_meeting_notice_hours)
    assert row.starts_at - clock.now() >= notice
    assert clock.local(row.starts_at).weekday() < 5 and clock.local(row.starts_at).hour == 10
    assert await MeetingParticipant.filter(meeting_id=row.id).count() == len(attending)


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"subject": " "}, "subject", "REQUIRED"),
        ({"description": ""}, "description", "REQUIRED"),
        ({}, "otherPartyEmail", "INVALID"),
        ({"otherPartyEmail": "nobody@x.y"}, "otherPartyEmail", "NOT_FOUND"),
        ({"otherDepartment": "SPA"}, "otherDepartment", "INVALID"),
        ({"otherDepartment": "HR", "otherPartyEmail": "a@b.c"}, "otherPartyEmail", "INVALID"),
        ({"subject": "x" * 201, "otherDepartment": "HR"}, "subject", "TOO_LONG"),
    ],
)
async def test_bad_disputes_write_nothing(gql, person, values, field, code):
    agent = await person("booking_agent")
    refused = await _open(gql, agent, **values)
    assert (refused["errors"][0]["field"], refused["errors"][0]["code"]) == (field, code)
    assert await Dispute.all().count() == 0 and await DisputeEvent.all().count() == 0


async def test_an_appeal_waits_no_longer_than_its_window(gql, person):
    agent, cs, supervisor = (
        await person("booking_agent"),
        await person("cs_rep"),
        await person("supervisor"),
    )
    dispute = (await _open(gql, agent, otherPartyEmail=cs.account.email))["dispute"]
    await _move(gql, agent, dispute["id"], "SUPERVISOR_MEDIATION")
    await _decide(gql, supervisor, dispute["id"])
    clock.advance(dt.timedelta(days=await params.dispute_appeal_days, minutes=1))
    late = await _move(gql, cs, dispute["id"], "ARBITRATION_PANEL")
    assert late["errors"][0]["code"] == "OUT_OF_RANGE"
    assert (await Dispute.get()).step == "SUPERVISOR_MEDIATION"


async def test_parties_see_their_disputes_and_hr_sees_all(gql, person):
    agent, cs, analyst = (
        await person("booking_agent"),
        await person("cs_rep"),
        await person("data_analyst"),
    )
    hr = await person("hr")
    await _open(gql, agent, otherPartyEmail=cs.account.email)
    await _open(gql, analyst, otherDepartment="FINANCE", subject="Report access")
    counts = {}
    for who in (agent, cs, analyst, hr):
        reply = await gql(LIST, token=await _tok(who))
        counts[who.account.id] = reply.data["disputes"]["totalCount"]
    assert counts == {
        agent.account.id: 1,
        cs.account.id: 1,
        analyst.account.id: 1,
        hr.account.id: 2,
    }
    guest = await person(kind="GUEST")
    refused = await gql(LIST, token=await _tok(guest))
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    opened = await gql(
        OPEN,
        {"input": {"subject": "x", "description": "y", "otherDepartment": "HR"}},
        token=await _tok(guest),
    )
    assert opened.errors[0]["extensions"]["code"] == "FORBIDDEN"
