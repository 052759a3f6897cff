"""The ledger of rewards and penalties through the API: HR and the director grant the three
kinds of reward and impose the penalties of P5.2.2, a penalty without a reason is refused and
writes nothing, a contract termination waits for a second person (dual review), supervisors
propose for their team only, and every member of staff sees what was decided about them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.models import AuditEntry, IncentiveEntry, Notification, PendingOperation
from tests.dual_review_support import confirm_through_api
from tests.incentives.support import (
    DECIDE,
    GRANT,
    IMPOSE,
    LEDGER,
    PERIOD,
    call,
    codes,
    pk_of,
    refused,
    staff_gid,
    viewer_id,
)


def _reward(who, kind="TARGET_BONUS", **given) -> dict:
    values = {"staffId": staff_gid(who), "kind": kind, "reason": "Beat the quarter", **PERIOD}
    if kind in ("TARGET_BONUS", "PROJECT_BONUS"):
        values.update(amount="1500.00", currency="CNY")
    values.update(given)
    return values


def _penalty(who, kind="WRITTEN_SELF_CRITICISM", **given) -> dict:
    return {
        "staffId": staff_gid(who),
        "kind": kind,
        "reason": "Left the desk unattended",
        **PERIOD,
        **given,
    }


@pytest.mark.policy("P5.2.1")
async def test_hr_grants_each_kind_of_reward_and_the_staff_member_is_told(gql, person):
    hr, agent = await person("hr"), await person("booking_agent")
    granted = {}
    for kind in ("TARGET_BONUS", "PROJECT_BONUS", "OVERSEAS_TRAINING"):
        payload = await call(gql, GRANT, {"input": _reward(agent, kind)}, hr.token, "grantReward")
        assert payload["errors"] == [], payload
        granted[kind] = payload["entry"]
    bonus = granted["TARGET_BONUS"]
    assert (bonus["category"], bonus["status"], bonus["amount"], bonus["currency"]) == (
        "REWARD",
        "IN_EFFECT",
        "1500.00",
        "CNY",
    )
    assert bonus["decidedBy"]["id"] == viewer_id(hr) and bonus["staff"]["id"] == viewer_id(agent)
    assert granted["OVERSEAS_TRAINING"]["amount"] is None
    rows = await IncentiveEntry.filter(staff_account_id=agent.account.id).order_by("id")
    assert [(r.kind, r.status, r.department) for r in rows] == [
        ("TARGET_BONUS", "IN_EFFECT", "BOOKING_CRM"),
        ("PROJECT_BONUS", "IN_EFFECT", "BOOKING_CRM"),
        ("OVERSEAS_TRAINING", "IN_EFFECT", "BOOKING_CRM"),
    ]
    assert rows[0].amount == Decimal("1500.00")
    told = await Notification.filter(kind="REWARD_GRANTED").values_list("account_id", flat=True)
    assert told == [agent.account.id] * 3

    # A cash reward names its amount; nothing is written when it does not.
    cashless = _reward(agent, "PROJECT_BONUS")
    del cashless["amount"]
    payload = await call(gql, GRANT, {"input": cashless}, hr.token, "grantReward")
    assert codes(payload) == [("amount", "REQUIRED")] and payload["entry"] is None
    assert await IncentiveEntry.all().count() == 3


@pytest.mark.policy("P5.2.2")
async def test_a_penalty_without_a_reason_is_refused_and_writes_nothing(gql, person):
    director, agent = await person("director"), await person("cs_rep")
    for reason in ("", "   "):
        values = {"input": _penalty(agent, reason=reason)}
        payload = await call(gql, IMPOSE, values, director.token, "imposePenalty")
        assert codes(payload) == [("reason", "REQUIRED")]
        assert payload["entry"] is None
    assert await IncentiveEntry.all().count() == 0
    assert await Notification.filter(kind="PENALTY_IMPOSED").count() == 0
    outcomes = await AuditEntry.filter(action="imposePenalty").values_list("outcome", flat=True)
    assert outcomes == ["REJECTED", "REJECTED"]

    minor = await call(gql, IMPOSE, {"input": _penalty(agent)}, director.token, "imposePenalty")
    serious = await call(
        gql,
        IMPOSE,
        {"input": _penalty(agent, "PERFORMANCE_PAY_CANCELLED", amount="2000.00", currency="CNY")},
        director.token,
        "imposePenalty",
    )
    assert minor["errors"] == [] and serious["errors"] == []
    assert minor["entry"]["status"] == serious["entry"]["status"] == "IN_EFFECT"
    assert serious["entry"]["amount"] == "2000.00"
    assert await Notification.filter(kind="PENALTY_IMPOSED").count() == 2
    # A written self-criticism carries no money.
    money = _penalty(agent, amount="10.00", currency="CNY")
    payload = await call(gql, IMPOSE, {"input": money}, director.token, "imposePenalty")
    assert codes(payload) == [("amount", "INVALID")]


@pytest.mark.policy("P5.2.2")
@pytest.mark.policy("P6.2.3")
async def test_a_contract_termination_takes_effect_only_when_a_second_person_confirms(gql, person):
    hr, director, agent = await person("hr"), await person("director"), await person("cs_rep")
    values = {"input": _penalty(agent, "CONTRACT_TERMINATED", reason="Took guests' cash")}
    payload = await call(gql, IMPOSE, values, hr.token, "imposePenalty")
    assert payload["errors"] == []
    entry, pending = payload["entry"], payload["pendingOperation"]
    assert entry["status"] == "PENDING_REVIEW" and pending["status"] == "PENDING"
    row = await PendingOperation.get()
    assert row.operation == "incentive.terminate_contract"
    assert row.arguments["entry_id"] == pk_of(entry["id"])
    assert await Notification.filter(kind="PENALTY_IMPOSED").count() == 0
    # The director (who may decide) is told it waits for them.
    waiting = await Notification.filter(kind="OPERATION_WAITING").values_list(
        "account_id", flat=True
    )
    assert director.account.id in waiting and hr.account.id not in waiting
    # HR, who made it, does not confirm it.
    confirm = """mutation($id: ID!, $d: String!) { confirmOperation(input: {operationId: $id,
      argumentsDigest: $d}) { errors { code } } }"""
    values = {"id": pending["id"], "d": pending["argumentsDigest"]}
    # HR may confirm other people's operations (hires over the cap), never its own.
    reply = await gql(confirm, values, token=hr.token)
    assert reply.data["confirmOperation"]["errors"] == [{"code": "FORBIDDEN"}], reply.body
    assert (await IncentiveEntry.get()).status == "PENDING_REVIEW"

    confirmed = await confirm_through_api(gql, pending, director.token)
    assert confirmed["errors"] == [] and confirmed["operation"]["status"] == "EXECUTED"
    row = await IncentiveEntry.get()
    assert (row.status, row.confirmed_by_account_id) == ("IN_EFFECT", director.account.id)
    assert (
        await Notification.filter(kind="PENALTY_IMPOSED", account_id=agent.account.id).count() == 1
    )


@pytest.mark.policy("P5.2.2")
async def test_a_refused_termination_leaves_the_contract_in_force(gql, person):
    director, other, agent = (
        await person("director"),
        await person("director"),
        await person("cs_rep"),
    )
    values = {"input": _penalty(agent, "CONTRACT_TERMINATED", reason="Repeated no-shows")}
    payload = await call(gql, IMPOSE, values, director.token, "imposePenalty")
    reject = """mutation($id: ID!) { rejectOperation(input: {operationId: $id, reason: "too harsh"})
      { operation { status } errors { code } } }"""
    reply = await gql(reject, {"id": payload["pendingOperation"]["id"]}, token=other.token)
    assert reply.data["rejectOperation"]["errors"] == []
    assert (await IncentiveEntry.get()).status == "REJECTED"
    assert await Notification.filter(kind="PENALTY_IMPOSED").count() == 0


@pytest.mark.policy("P5.2.2")
async def test_a_termination_nobody_confirms_in_time_does_not_take_effect(gql, person):
    import datetime as dt

    from domain.clock import clock
    from domain.policy_params import params
    from workers.jobs import expire_pending_operations

    director, agent = await person("director"), await person("cs_rep")
    values = {"input": _penalty(agent, "CONTRACT_TERMINATED", reason="Repeated no-shows")}
    payload = await call(gql, IMPOSE, values, director.token, "imposePenalty")
    assert payload["entry"]["status"] == "PENDING_REVIEW"
    clock.advance(dt.timedelta(hours=await params.dual_review_expiry_hours, seconds=1))
    assert await expire_pending_operations({}) == 1
    assert await expire_pending_operations({}) == 0
    row = await IncentiveEntry.get()
    assert row.status == "REJECTED" and "EXPIRED" in row.decision_comment
    assert await Notification.filter(kind="PENALTY_IMPOSED").count() == 0


@pytest.mark.policy("P5.2.2")
async def test_a_supervisor_proposes_for_their_team_and_hr_decides(gql, person):
    supervisor, hr, director = (
        await person("supervisor"),
        await person("hr"),
        await person("director"),
    )
    agent, accountant = await person("booking_agent"), await person("finance")
    proposed = await call(
        gql, IMPOSE, {"input": _penalty(agent)}, supervisor.token, "imposePenalty"
    )
    assert proposed["errors"] == []
    assert proposed["entry"]["status"] == "PROPOSED"
    assert proposed["entry"]["decidedBy"] is None
    assert proposed["entry"]["proposedBy"]["id"] == viewer_id(supervisor)
    told = await Notification.filter(kind="INCENTIVE_PROPOSED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([hr.account.id, director.account.id])
    # The staff member does not see a proposal; the supervisor sees their team's.
    mine = await gql(LEDGER, token=agent.token)
    assert mine.data["rewardsAndPenalties"]["totalCount"] == 0
    team = await gql(LEDGER, token=supervisor.token)
    assert team.data["rewardsAndPenalties"]["totalCount"] == 1

    # Outside their team (Finance) a supervisor proposes nothing.
    outside = await call(
        gql, GRANT, {"input": _reward(accountant)}, supervisor.token, "grantReward"
    )
    assert codes(outside) == [("staffId", "FORBIDDEN")]

    # A supervisor may not decide; HR approves.
    decide = {"entryId": proposed["entry"]["id"], "decision": "APPROVE", "comment": "agreed"}
    assert await refused(gql, DECIDE, {"input": decide}, supervisor.token) == "FORBIDDEN"
    approved = await call(gql, DECIDE, {"input": decide}, hr.token, "decideIncentive")
    assert approved["errors"] == []
    assert approved["entry"]["status"] == "IN_EFFECT"
    assert approved["entry"]["decidedBy"]["id"] == viewer_id(hr)
    again = await call(gql, DECIDE, {"input": decide}, director.token, "decideIncentive")
    assert codes(again) == [("entryId", "ALREADY_DECIDED")]
    mine = await gql(LEDGER, token=agent.token)
    assert mine.data["rewardsAndPenalties"]["totalCount"] == 1

    # A rejection states why; a rejected proposal stays in the ledger, not in effect.
    second = await call(gql, GRANT, {"input": _reward(agent)}, supervisor.token, "grantReward")
    no_reason = {"entryId": second["entry"]["id"], "decision": "REJECT"}
    payload = await call(gql, DECIDE, {"input": no_reason}, hr.token, "decideIncentive")
    assert codes(payload) == [("comment", "REQUIRED")]
    no_reason["comment"] = "Targets were lowered"
    payload = await call(gql, DECIDE, {"input": no_reason}, hr.token, "decideIncentive")
    assert payload["entry"]["status"] == "REJECTED"
    assert await IncentiveEntry.filter(status="REJECTED").count() == 1


@pytest.mark.policy("P5.2.2")
async def test_a_proposed_termination_approved_still_waits_for_a_second_person(gql, person):
    supervisor, hr = await person("supervisor"), await person("hr")
    agent = await person("cs_rep")
    values = {"input": _penalty(agent, "CONTRACT_TERMINATED", reason="Forged a refund")}
    proposed = await call(gql, IMPOSE, values, supervisor.token, "imposePenalty")
    assert proposed["entry"]["status"] == "PROPOSED"
    assert await PendingOperation.all().count() == 0
    decide = {"entryId": proposed["entry"]["id"], "decision": "APPROVE"}
    approved = await call(gql, DECIDE, {"input": decide}, hr.token, "decideIncentive")
    assert approved["entry"]["status"] == "PENDING_REVIEW"
    assert approved["pendingOperation"]["status"] == "PENDING"
    assert (await PendingOperation.get()).maker_account_id == hr.account.id


async def test_nobody_decides_about_themselves(gql, person):
    hr = await person("hr")
    payload = await call(gql, GRANT, {"input": _reward(hr)}, hr.token, "grantReward")
    assert codes(payload) == [("staffId", "FORBIDDEN")]
    assert await IncentiveEntry.all().count() == 0


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"periodEnd": "2026-10-01"}, "periodEnd", "OUT_OF_RANGE"),
        ({"amount": "-5.00"}, "amount", "OUT_OF_RANGE"),
        ({"currency": "XXQ"}, "currency", "INVALID"),
        ({"staffId": "U3RhZmZBY2NvdW50Ojk5OTk5"}, "staffId", "NOT_FOUND"),  # StaffAccount:99999
        ({"staffId": "Q29tcGxhaW50OjE="}, "staffId", "INVALID"),  # Complaint:1
        ({"basis": {"kind": "EVALUATION"}}, "basisReference", "REQUIRED"),
        ({"basis": {"kind": "COMPLAINT"}}, "complaintId", "REQUIRED"),
        (
            {"basis": {"kind": "VIOLATION_CASE", "violationCaseId": "VmlvbGF0aW9uQ2FzZTo5"}},
            "violationCaseId",
            "NOT_FOUND",
        ),
        ({"reason": "x" * 2001}, "reason", "TOO_LONG"),
    ],
)
async def test_bad_rewards_are_refused_with_their_field(gql, person, given, field, code):
    hr, agent = await person("hr"), await person("cs_rep")
    payload = await call(gql, GRANT, {"input": _reward(agent, **given)}, hr.token, "grantReward")
    assert codes(payload)[0] == (field, code) and payload["entry"] is None
    assert await IncentiveEntry.all().count() == 0


async def test_who_sees_which_entries(gql, person):
    hr, director, supervisor = (
        await person("hr"),
        await person("director"),
        await person("supervisor"),
    )
    agent, other, accountant = (
        await person("booking_agent"),
        await person("cs_rep"),
        await person("finance"),
    )
    for who in (agent, other, accountant):
        payload = await call(gql, GRANT, {"input": _reward(who)}, hr.token, "grantReward")
        assert payload["errors"] == []
    seen = {}
    for who in (hr, director, supervisor, agent, accountant):
        reply = await gql(LEDGER, token=who.token)
        edges = reply.data["rewardsAndPenalties"]["edges"]
        seen[who.account.email] = sorted(e["node"]["staff"]["id"] for e in edges)
    assert seen[hr.account.email] == seen[director.account.email]
    assert len(seen[hr.account.email]) == 3
    assert seen[supervisor.account.email] == sorted([viewer_id(agent), viewer_id(other)])
    assert seen[agent.account.email] == [viewer_id(agent)]
    assert seen[accountant.account.email] == [viewer_id(accountant)]
    # The node of another's entry is not shown to a colleague.
    entry = await IncentiveEntry.get(staff_account_id=other.account.id)
    node = """query($id: ID!) { node(id: $id) { ... on IncentiveEntry { id kind } } }"""
    gid = str(__import__("strawberry").relay.GlobalID("IncentiveEntry", str(entry.id)))
    assert (await gql(node, {"id": gid}, token=agent.token)).data["node"] is None
    assert (await gql(node, {"id": gid}, token=supervisor.token)).data["node"]["kind"]


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "finance", "auditor", "legal"])
async def test_roles_without_the_right_neither_grant_nor_penalise(gql, person, role):
    caller, agent = await person(role), await person("cs_rep")
    assert await refused(gql, GRANT, {"input": _reward(agent)}, caller.token) == "FORBIDDEN"
    assert await refused(gql, IMPOSE, {"input": _penalty(agent)}, caller.token) == "FORBIDDEN"
    decide = {"entryId": "SW5jZW50aXZlRW50cnk6MQ==", "decision": "APPROVE"}
    assert await refused(gql, DECIDE, {"input": decide}, caller.token) == "FORBIDDEN"
    assert await IncentiveEntry.all().count() == 0


async def test_guests_partners_and_anonymous_callers_get_nothing(gql, person, partner):
    guest, agent = await person(kind="GUEST"), await person("cs_rep")
    _, secret = await partner(["bookings:write"])
    for token in (guest.token, secret, None):
        assert await refused(gql, LEDGER, {}, token) in ("FORBIDDEN", "UNAUTHENTICATED")
        code = await refused(gql, GRANT, {"input": _reward(agent)}, token)
        assert code in ("FORBIDDEN", "UNAUTHENTICATED")


async def test_the_ledger_filters_by_staff_member_category_and_status(gql, person):
    hr, agent, other = await person("hr"), await person("cs_rep"), await person("cs_rep")
    await call(gql, GRANT, {"input": _reward(agent)}, hr.token, "grantReward")
    await call(gql, IMPOSE, {"input": _penalty(agent)}, hr.token, "imposePenalty")
    await call(gql, IMPOSE, {"input": _penalty(other)}, hr.token, "imposePenalty")
    termination = _penalty(other, "CONTRACT_TERMINATED")
    await call(gql, IMPOSE, {"input": termination}, hr.token, "imposePenalty")

    async def count(**wanted) -> int:
        reply = await gql(LEDGER, {"filter": wanted}, token=hr.token)
        return reply.data["rewardsAndPenalties"]["totalCount"]

    assert await count(staffId=staff_gid(agent)) == 2
    assert await count(staffId=staff_gid(agent), category="PENALTY") == 1
    assert await count(category="REWARD") == 1
    assert await count(status="PENDING_REVIEW") == 1
    assert await count(staffId=staff_gid(other), status="IN_EFFECT") == 1
