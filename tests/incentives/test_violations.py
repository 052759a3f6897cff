"""Violation cases through the API (P5.2.5): a case is due to start handling within
`violation_handling_start_hours`; HR or the director start and close it (closing links the
penalty it led to); a case not started in time is escalated to the director and HR by a job
that tells them once, however often it runs; the staff member sees their own case."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from domain.clock import clock
from domain.models import AuditEntry, Notification, ViolationCase
from domain.policy_params import params
from tests.dual_review_support import set_parameter_reviewed
from tests.incentives.support import (
    CASES,
    CLOSE,
    IMPOSE,
    OPEN,
    PERIOD,
    START,
    call,
    codes,
    pk_of,
    refused,
    staff_gid,
    token_now,
    viewer_id,
)
from workers.jobs import escalate_violation_cases


async def _open(gql, who, staff, severity="MINOR", description="Shared a guest's room number"):
    values = {"staffId": staff_gid(staff), "severity": severity, "description": description}
    return await call(gql, OPEN, {"input": values}, who.token, "openViolationCase")


async def _start(gql, token, case_id, note="Interview booked"):
    values = {"input": {"caseId": case_id, "note": note}}
    return await call(gql, START, values, token, "startViolationHandling")


async def _close(gql, token, case_id, outcome="NO_PENALTY", penalty=None, note="Heard both"):
    values = {"caseId": case_id, "outcome": outcome, "note": note}
    if penalty is not None:
        values["penaltyId"] = penalty
    return await call(gql, CLOSE, {"input": values}, token, "closeViolationCase")


@pytest.mark.policy("P5.2.5")
async def test_a_case_is_due_within_the_hours_handled_and_closed_with_its_penalty(gql, person):
    hr, director, agent = await person("hr"), await person("director"), await person("cs_rep")
    await set_parameter_reviewed("violation_handling_start_hours", "12")
    opened = await _open(gql, hr, agent, "SERIOUS")
    assert opened["errors"] == []
    case = opened["violationCase"]
    assert case["status"] == "OPEN"
    due = dt.datetime.fromisoformat(case["handlingDueAt"])
    assert due == clock.now() + dt.timedelta(hours=12)
    told = await Notification.filter(kind="VIOLATION_CASE_OPENED").values_list(
        "account_id", flat=True
    )
    assert told == [director.account.id]  # HR opened it; the staff member is not a handler

    started = await _start(gql, director.token, case["id"])
    assert started["errors"] == []
    assert started["violationCase"]["status"] == "IN_HANDLING"
    assert started["violationCase"]["handler"]["id"] == viewer_id(director)
    twice = await _start(gql, hr.token, case["id"])
    assert codes(twice) == [("caseId", "INVALID_TRANSITION")]

    # Closed as penalised, it names a penalty of the same staff member.
    penalty = await call(
        gql,
        IMPOSE,
        {
            "input": {
                "staffId": staff_gid(agent),
                "kind": "PERFORMANCE_PAY_CANCELLED",
                "reason": "Shared a guest's room number",
                "basis": {"kind": "VIOLATION_CASE", "violationCaseId": case["id"]},
                **PERIOD,
            }
        },
        hr.token,
        "imposePenalty",
    )
    assert penalty["errors"] == []
    assert penalty["entry"]["violationCaseId"] == case["id"]
    missing = await _close(gql, hr.token, case["id"], "PENALISED")
    assert codes(missing) == [("penaltyId", "REQUIRED")]
    closed = await _close(gql, hr.token, case["id"], "PENALISED", penalty["entry"]["id"])
    assert closed["errors"] == []
    shown = closed["violationCase"]
    assert (shown["status"], shown["outcome"], shown["penaltyId"]) == (
        "CLOSED",
        "PENALISED",
        penalty["entry"]["id"],
    )
    row = await ViolationCase.get(id=pk_of(case["id"]))
    assert row.penalty_entry_id == pk_of(penalty["entry"]["id"]) and row.closed_at is not None
    # The staff member is told at each step and sees their own case.
    kinds = await Notification.filter(account_id=agent.account.id).values_list("kind", flat=True)
    assert {"VIOLATION_CASE_IN_HANDLING", "VIOLATION_CASE_CLOSED"} <= set(kinds)
    mine = await gql(CASES, token=agent.token)
    assert mine.data["violationCases"]["totalCount"] == 1


@pytest.mark.policy("P5.2.5")
async def test_a_late_case_is_escalated_once_and_a_rerun_does_nothing(gql, person, monkeypatch):
    hr, director, agent = await person("hr"), await person("director"), await person("cs_rep")
    supervisor = await person("supervisor")
    late = (await _open(gql, supervisor, agent))["violationCase"]
    in_time = (await _open(gql, hr, agent, "MAJOR"))["violationCase"]
    hours = await params.violation_handling_start_hours
    clock.advance(dt.timedelta(hours=hours - 1))
    assert await escalate_violation_cases({}) == 0
    assert (await _start(gql, await token_now(hr.account), in_time["id"]))["errors"] == []

    clock.advance(dt.timedelta(hours=1, seconds=1))
    # A run killed after its claim, before its notice is written, leaves the case OPEN.
    from domain import notifications

    real = notifications.notify_many

    async def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(notifications, "notify_many", killed)
    with pytest.raises(RuntimeError):
        await escalate_violation_cases({})
    assert (await ViolationCase.get(id=pk_of(late["id"]))).status == "OPEN"
    monkeypatch.setattr(notifications, "notify_many", real)

    ran = await asyncio.gather(escalate_violation_cases({}), escalate_violation_cases({}))
    assert sum(ran) == 1
    assert await escalate_violation_cases({}) == 0
    row = await ViolationCase.get(id=pk_of(late["id"]))
    assert row.status == "ESCALATED" and row.escalated_at is not None
    assert (await ViolationCase.get(id=pk_of(in_time["id"]))).status == "IN_HANDLING"
    told = await Notification.filter(kind="VIOLATION_CASE_ESCALATED").values_list(
        "account_id", flat=True
    )
    assert sorted(told) == sorted([hr.account.id, director.account.id])
    assert await AuditEntry.filter(action="escalateViolationCase", outcome="SUCCESS").count() >= 1

    # An escalated case is still handled (late) and closed.
    token = await token_now(director.account)
    assert (await _start(gql, token, late["id"]))["errors"] == []
    assert (await _close(gql, token, late["id"]))["errors"] == []
    assert await escalate_violation_cases({}) == 0
    assert await Notification.filter(kind="VIOLATION_CASE_ESCALATED").count() == 2


@pytest.mark.policy("P5.2.5")
async def test_bad_steps_are_refused_with_their_field(gql, person):
    hr, agent, other = await person("hr"), await person("cs_rep"), await person("cs_rep")
    empty = await _open(gql, hr, agent, description="  ")
    assert codes(empty) == [("description", "REQUIRED")]
    own = await _open(gql, hr, hr)
    assert codes(own) == [("staffId", "FORBIDDEN")]
    case = (await _open(gql, hr, agent))["violationCase"]
    early = await _close(gql, hr.token, case["id"])
    assert codes(early) == [("caseId", "INVALID_TRANSITION")]
    await _start(gql, hr.token, case["id"])
    no_note = await _close(gql, hr.token, case["id"], note=" ")
    assert codes(no_note) == [("note", "REQUIRED")]
    # A penalty of someone else does not close this case.
    penalty = await call(
        gql,
        IMPOSE,
        {
            "input": {
                "staffId": staff_gid(other),
                "kind": "WRITTEN_SELF_CRITICISM",
                "reason": "Late",
                **PERIOD,
            }
        },
        hr.token,
        "imposePenalty",
    )
    wrong = await _close(gql, hr.token, case["id"], "PENALISED", penalty["entry"]["id"])
    assert codes(wrong) == [("penaltyId", "INVALID")]
    stray = await _close(gql, hr.token, case["id"], "NO_PENALTY", penalty["entry"]["id"])
    assert codes(stray) == [("penaltyId", "INVALID")]
    missing = await _start(gql, hr.token, "VmlvbGF0aW9uQ2FzZTo5OTk=")  # ViolationCase:999
    assert codes(missing) == [("caseId", "NOT_FOUND")]
    assert (await ViolationCase.get(id=pk_of(case["id"]))).status == "IN_HANDLING"
    assert await ViolationCase.all().count() == 1


async def test_who_opens_handles_and_sees_cases(gql, person, partner):
    hr, supervisor = await person("hr"), await person("supervisor")
    agent, accountant = await person("booking_agent"), await person("finance")
    # A supervisor opens cases about their team only, and does not handle them.
    team = await _open(gql, supervisor, agent)
    assert team["errors"] == []
    outside = await _open(gql, supervisor, accountant)
    assert codes(outside) == [("staffId", "FORBIDDEN")]
    case_id = team["violationCase"]["id"]
    start = {"input": {"caseId": case_id}}
    close = {"input": {"caseId": case_id, "outcome": "NO_PENALTY", "note": "n"}}
    assert await refused(gql, START, start, supervisor.token) == "FORBIDDEN"
    assert await refused(gql, CLOSE, close, supervisor.token) == "FORBIDDEN"
    await _open(gql, hr, accountant)
    # Staff neither open nor handle cases.
    for role in ("booking_agent", "cs_rep", "finance", "auditor"):
        caller = await person(role)
        values = {"input": {"staffId": staff_gid(agent), "severity": "MINOR", "description": "x"}}
        assert await refused(gql, OPEN, values, caller.token) == "FORBIDDEN"
        assert await refused(gql, START, start, caller.token) == "FORBIDDEN"
        assert await refused(gql, CLOSE, close, caller.token) == "FORBIDDEN"

    seen = {}
    for who in (hr, supervisor, agent, accountant):
        reply = await gql(CASES, token=who.token)
        edges = reply.data["violationCases"]["edges"]
        seen[who.account.email] = sorted(e["node"]["staff"]["id"] for e in edges)
    assert seen[hr.account.email] == sorted([viewer_id(agent), viewer_id(accountant)])
    assert seen[supervisor.account.email] == [viewer_id(agent)]
    assert seen[agent.account.email] == [viewer_id(agent)]
    assert seen[accountant.account.email] == [viewer_id(accountant)]
    # A colleague's case is no node of theirs; the supervisor's team's is.
    node = """query($id: ID!) { node(id: $id) { ... on ViolationCase { id severity } } }"""
    assert (await gql(node, {"id": case_id}, token=accountant.token)).data["node"] is None
    assert (await gql(node, {"id": case_id}, token=supervisor.token)).data["node"]["severity"]
    assert (await gql(node, {"id": case_id}, token=agent.token)).data["node"]["severity"]
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (guest.token, secret, None):
        assert await refused(gql, CASES, {}, token) in ("FORBIDDEN", "UNAUTHENTICATED")
