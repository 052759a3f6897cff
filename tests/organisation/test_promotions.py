"""Promotions through the API (P2.5): specialist -> supervisor -> director, one level at a time,
each step gated by a passed capability assessment for the position and a performance review
rated at least promotion_min_rating; the promotion waits for a second person (dual review,
P6.2.3) and only on confirmation do the position and the staff roles change together, the role
change filed with HR (P4.1.5). A new employee is promoted only after the learning period (P2.6)."""

from __future__ import annotations

import pytest

from domain.models import (
    Account,
    AuthorizationChange,
    EmployeeAssessment,
    Employment,
    PendingOperation,
    Promotion,
)
from domain.organisation import ensure_structure
from tests.dual_review_support import confirm_through_api
from tests.organisation.support import hired, team

CAPABILITY = """mutation($id: ID!, $p: String!, $ok: Boolean!) {
  recordCapabilityAssessment(input: {employeeId: $id, targetPosition: $p, passed: $ok,
    notes: "Led the weekend desk for a month"}) {
    assessment { kind targetPosition passed } errors { field code message } } }"""
PERFORMANCE = """mutation($id: ID!, $r: Decimal!) {
  recordPerformanceReview(input: {employeeId: $id, rating: $r, period: "2026-H2"}) {
    assessment { kind rating period } errors { field code message } } }"""
PROPOSE = """mutation($id: ID!, $p: String!) {
  proposePromotion(input: {employeeId: $id, toPosition: $p, reason: "Runs the desk well"}) {
    promotion { fromPosition toPosition status operationId }
    pendingOperation { id operation argumentsDigest summary requiredPermissions }
    errors { field code message } } }"""
EMPLOYEE = """query($id: ID!) { node(id: $id) { ... on Employee { position { code } group
  supervisor { email } promotions { fromPosition toPosition status } } } }"""
REJECT = """mutation($id: ID!) { rejectOperation(input: {operationId: $id, reason: "not yet"}) {
  operation { status } errors { code } } }"""


@pytest.fixture(autouse=True)
async def structure():
    await ensure_structure()


async def _ok(gql, document, variables, token, field):
    reply = await gql(document, variables, token=token)
    assert reply.errors == [], reply.body
    return reply.data[field]


async def _gates(gql, hr, employee_id, target, *, passed=True, rating="4.5"):
    assessed = await _ok(
        gql, CAPABILITY, {"id": employee_id, "p": target, "ok": passed}, hr.token,
        "recordCapabilityAssessment",
    )
    assert assessed["errors"] == [], assessed
    reviewed = await _ok(
        gql, PERFORMANCE, {"id": employee_id, "r": rating}, hr.token, "recordPerformanceReview"
    )
    assert reviewed["errors"] == [], reviewed


async def _propose(gql, who, employee_id, target):
    return await _ok(gql, PROPOSE, {"id": employee_id, "p": target}, who.token, "proposePromotion")


@pytest.mark.policy("P2.5")
async def test_a_promotion_changes_position_and_roles_only_when_a_second_person_confirms(
    gql, person
):
    t = await team(gql, person)
    # One supervisor's place is free (supervisor_count 2): the customer-service one leaves.
    leave = """mutation($id: ID!) { endEmployment(input: {employeeId: $id, reason: "left"}) {
      errors { code } } }"""
    assert (await _ok(gql, leave, {"id": t.cs_supervisor_id}, t.hr.token, "endEmployment"))[
        "errors"
    ] == []
    await _gates(gql, t.hr, t.agent_id, "SUPERVISOR")
    proposed = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert proposed["errors"] == [], proposed
    assert proposed["promotion"]["status"] == "PENDING"
    pending = proposed["pendingOperation"]
    assert pending["operation"] == "employee.promote"
    assert "booking_agent -> supervisor" in pending["summary"]
    # Nothing changed yet.
    row = await Employment.get(account_id=t.agent.account.id).prefetch_related("position")
    assert row.position.code == "BOOKING_SPECIALIST"
    assert (await Account.get(id=t.agent.account.id)).roles == ["booking_agent"]
    # The maker cannot confirm; a supervisor may not promote.
    assert (await confirm_through_api(gql, pending, t.hr.token))["errors"][0]["code"] == (
        "FORBIDDEN"
    )
    by_supervisor = await confirm_through_api(gql, pending, t.sales_supervisor.token)
    assert by_supervisor["errors"][0]["code"] == "FORBIDDEN"
    confirmed = await confirm_through_api(gql, pending, t.director.token)
    assert confirmed["errors"] == [], confirmed
    assert confirmed["operation"]["status"] == "EXECUTED"

    row = await Employment.get(account_id=t.agent.account.id).prefetch_related("position")
    director_row = await Employment.get(account_id=t.director.account.id)
    assert row.position.code == "SUPERVISOR"
    assert row.supervisor_id == director_row.id  # a supervisor reports to the director
    assert (await Account.get(id=t.agent.account.id)).roles == ["supervisor"]
    filed = await AuthorizationChange.filter(account_id=t.agent.account.id).order_by("id")
    assert [(c.kind, c.role, c.granted) for c in filed] == [
        ("ROLE_ASSIGNMENT", "supervisor", True),
        ("ROLE_ASSIGNMENT", "booking_agent", False),
    ]
    assert all(c.changed_by_id == t.hr.account.id for c in filed)
    shown = await gql(EMPLOYEE, {"id": t.agent_id}, token=t.director.token)
    node = shown.data["node"]
    assert node["position"] == {"code": "SUPERVISOR"}
    assert node["supervisor"] == {"email": t.director.account.email}
    assert node["promotions"] == [
        {"fromPosition": "BOOKING_SPECIALIST", "toPosition": "SUPERVISOR", "status": "DONE"}
    ]
    # The gates are used up: the next step needs new ones.
    used = await EmployeeAssessment.filter(employment_id=row.id).values_list(
        "used_by_promotion_id", flat=True
    )
    assert set(used) == {(await Promotion.get()).id}


@pytest.mark.policy("P2.5")
async def test_each_gate_of_a_promotion_is_required(gql, person):
    t = await team(gql, person)
    await gql(
        """mutation($id: ID!) { endEmployment(input: {employeeId: $id, reason: "left"}) {
        errors { code } } }""",
        {"id": t.cs_supervisor_id},
        token=t.hr.token,
    )
    none = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert none["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert "capability assessment" in none["errors"][0]["message"]
    # A failed assessment does not open the way.
    await _gates(gql, t.hr, t.agent_id, "SUPERVISOR", passed=False)
    failed = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert "capability assessment" in failed["errors"][0]["message"]
    # A passed one with a weak review does not either (promotion_min_rating 4.0).
    await _gates(gql, t.hr, t.agent_id, "SUPERVISOR", rating="3.5")
    weak = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert weak["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert "at least 4" in weak["errors"][0]["message"]
    assert await Promotion.all().count() == 0
    assert await PendingOperation.all().count() == 0


@pytest.mark.policy("P2.5")
async def test_no_level_is_skipped(gql, person):
    t = await team(gql, person)
    skip = await _gates_for_skip(gql, t)
    assert skip["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert "one level at a time" in skip["errors"][0]["message"]
    # Nor is an assessment recorded for a skipped level.
    assessed = await _ok(
        gql, CAPABILITY, {"id": t.agent_id, "p": "DIRECTOR", "ok": True}, t.hr.token,
        "recordCapabilityAssessment",
    )
    assert assessed["errors"][0]["field"] == "targetPosition"
    down = await _propose(gql, t.hr, t.sales_supervisor_id, "BOOKING_SPECIALIST")
    assert down["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert await Promotion.all().count() == 0


async def _gates_for_skip(gql, t):
    return await _propose(gql, t.hr, t.agent_id, "DIRECTOR")


@pytest.mark.policy("P2.5")
@pytest.mark.policy("P2.1")
async def test_the_department_keeps_its_supervisors_and_one_director(gql, person):
    t = await team(gql, person)  # two supervisors: supervisor_count is 2
    await _gates(gql, t.hr, t.agent_id, "SUPERVISOR")
    full = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert full["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert "at most 2" in full["errors"][0]["message"]
    await _gates(gql, t.hr, t.sales_supervisor_id, "DIRECTOR")
    taken = await _propose(gql, t.hr, t.sales_supervisor_id, "DIRECTOR")
    assert "at most 1" in taken["errors"][0]["message"]


@pytest.mark.policy("P2.6")
async def test_no_promotion_during_the_learning_period(gql, person):
    t = await team(gql, person)
    newcomer = await person("cs_rep")
    new_id = await hired(
        gql, t.hr, newcomer, "BOOKING_CRM", "CS_REPRESENTATIVE",
        supervisor=t.cs_supervisor_id, hiredOn="2026-10-01",
    )
    await _gates(gql, t.hr, new_id, "SUPERVISOR")
    early = await _propose(gql, t.hr, new_id, "SUPERVISOR")
    assert early["errors"][0]["code"] == "PROMOTION_NOT_ALLOWED"
    assert "2027-01-01" in early["errors"][0]["message"]


@pytest.mark.policy("P2.5")
async def test_a_refused_promotion_changes_nothing_and_is_marked(gql, person):
    t = await team(gql, person)
    await gql(
        """mutation($id: ID!) { endEmployment(input: {employeeId: $id, reason: "left"}) {
        errors { code } } }""",
        {"id": t.cs_supervisor_id},
        token=t.hr.token,
    )
    await _gates(gql, t.hr, t.agent_id, "SUPERVISOR")
    proposed = await _propose(gql, t.director, t.agent_id, "SUPERVISOR")
    assert proposed["errors"] == []
    again = await _propose(gql, t.hr, t.agent_id, "SUPERVISOR")
    assert again["errors"][0]["code"] == "DUPLICATE"
    rejected = await _ok(
        gql, REJECT, {"id": proposed["pendingOperation"]["id"]}, t.hr.token, "rejectOperation"
    )
    assert rejected["errors"] == [], rejected
    assert (await Promotion.get()).status == "REJECTED"
    assert (await Account.get(id=t.agent.account.id)).roles == ["booking_agent"]
    row = await Employment.get(account_id=t.agent.account.id).prefetch_related("position")
    assert row.position.code == "BOOKING_SPECIALIST"
    assert await AuthorizationChange.filter(account_id=t.agent.account.id).count() == 0


@pytest.mark.parametrize("role", ["supervisor", "booking_agent", "admin", "finance"])
async def test_only_hr_and_the_director_assess_and_promote(gql, person, role):
    t = await team(gql, person)
    caller = await person(role)
    for document, variables in (
        (CAPABILITY, {"id": t.agent_id, "p": "SUPERVISOR", "ok": True}),
        (PERFORMANCE, {"id": t.agent_id, "r": "5"}),
        (PROPOSE, {"id": t.agent_id, "p": "SUPERVISOR"}),
    ):
        reply = await gql(document, variables, token=caller.token)
        assert reply.error_codes == ["FORBIDDEN"], reply.body
    assert await EmployeeAssessment.all().count() == 0


async def test_a_rating_out_of_range_is_refused_with_its_field(gql, person):
    t = await team(gql, person)
    for bad in ("0.5", "5.5"):
        reply = await gql(PERFORMANCE, {"id": t.agent_id, "r": bad}, token=t.hr.token)
        errors = reply.data["recordPerformanceReview"]["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == ("rating", "OUT_OF_RANGE")
    assert await EmployeeAssessment.all().count() == 0
