"""Rotation plans (P2.6), cross-department projects with their interface persons (P7.1.2), the
organisation chart (P2.1) and who reads which employment record: HR and the director all,
supervisors their own and their reports', everyone else their own; every refused role."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.clock import clock
from domain.models import Notification, Project, ProjectInterface, RotationPlan
from domain.organisation import ensure_structure
from tests.organisation.support import gid, hired, team
from workers.jobs import organisation_rotations

PLAN = """mutation($input: PlanRotationInput!) { planRotation(input: $input) {
  rotationPlan { id dueOn toDepartment crossDepartment priority status employee { email } }
  errors { field code message } } }"""
PLANS = """query($f: RotationPlanFilter) { rotationPlans(first: 20, filter: $f) { totalCount
  edges { node { dueOn status priority remindedAt employee { email } } } } }"""
PERFORMANCE = """mutation($id: ID!, $r: Decimal!) {
  recordPerformanceReview(input: {employeeId: $id, rating: $r, period: "2026"}) {
    errors { code } } }"""
CREATE = """mutation($input: CreateProjectInput!) { createProject(input: $input) {
  project { id name leadDepartment interfaces { department employeeId person { email } } }
  errors { field code message } } }"""
SET_INTERFACE = """mutation($input: SetProjectInterfaceInput!) {
  setProjectInterface(input: $input) {
    project { interfaces { department person { email } } } errors { field code message } } }"""
EMPLOYEES = """{ employees(first: 20) { totalCount edges { node { id department
  position { code } person { email } supervisor { email } reports { email }
  hiringCriteria { yearsOfExperience } } } } }"""
CHART = """query($d: String!) { organisationChart(department: $d) {
  department { code headcount heads { email } }
  lines { depth person { email } position { code } group supervisor { email } } } }"""


@pytest.fixture(autouse=True)
async def structure():
    await ensure_structure()


@pytest.mark.policy("P2.6")
async def test_a_rotation_is_planned_two_years_on_and_reminded_once(gql, person):
    t = await team(gql, person)  # hired 2023-01-09
    planned = await gql(PLAN, {"input": {"employeeId": t.agent_id}}, token=t.hr.token)
    plan = planned.data["planRotation"]
    assert plan["errors"] == [], plan
    # rotation_interval_months (24) after the hire.
    assert plan["rotationPlan"]["dueOn"] == "2025-01-09"
    assert plan["rotationPlan"]["employee"] == {"email": t.agent.account.email}
    # The sweep plans everyone else past the learning period and reminds the due ones.
    first = await organisation_rotations({})
    assert first == {"planned": 3, "reminded": 4}
    told = await Notification.filter(kind="ROTATION_DUE").values_list("account_id", "subject_id")
    agent_plan = await RotationPlan.get(employment__account_id=t.agent.account.id)
    agent_told = sorted(a for a, s in told if s == str(agent_plan.id))
    assert agent_told == sorted([t.hr.account.id, t.sales_supervisor.account.id])
    # Killed and rerun: nobody is planned or told twice.
    assert await organisation_rotations({}) == {"planned": 0, "reminded": 0}
    assert await Notification.filter(kind="ROTATION_DUE").count() == len(told)
    assert await RotationPlan.filter(status="PLANNED").count() == 4


@pytest.mark.policy("P2.6")
async def test_the_reminder_comes_only_within_its_window_and_top_performers_have_priority(
    gql, person
):
    t = await team(gql, person)
    high = await gql(PERFORMANCE, {"id": t.agent_id, "r": "4.8"}, token=t.hr.token)
    assert high.data["recordPerformanceReview"]["errors"] == []
    due = (clock.today() + dt.timedelta(days=60)).isoformat()
    planned = await gql(
        PLAN,
        {"input": {"employeeId": t.agent_id, "dueOn": due, "toDepartment": "MARKETING",
                   "crossDepartment": True}},
        token=t.hr.token,
    )
    plan = planned.data["planRotation"]["rotationPlan"]
    assert (plan["priority"], plan["crossDepartment"], plan["toDepartment"]) == (
        True,
        True,
        "MARKETING",
    )
    await organisation_rotations({})
    agent_plan = await RotationPlan.get(employment__account_id=t.agent.account.id, status="PLANNED")
    assert agent_plan.reminded_at is None  # 60 days ahead, the window is 30
    # The supervisor reads their report's plan; a booking agent reads none.
    shown = await gql(PLANS, token=t.sales_supervisor.token)
    emails = {e["node"]["employee"]["email"] for e in shown.data["rotationPlans"]["edges"]}
    assert t.agent.account.email in emails
    assert t.cs_supervisor.account.email not in emails
    refused = await gql(PLANS, token=t.agent.token)
    assert refused.error_codes == ["FORBIDDEN"]
    clock.advance(dt.timedelta(days=31))
    await organisation_rotations({})
    await agent_plan.refresh_from_db()
    assert agent_plan.reminded_at is not None
    notes = await Notification.filter(kind="ROTATION_DUE", subject_id=str(agent_plan.id))
    assert "priority" in notes[0].title


async def test_a_rotation_inside_the_learning_period_is_refused(gql, person):
    t = await team(gql, person)
    newcomer = await person("cs_rep")
    new_id = await hired(
        gql, t.hr, newcomer, "BOOKING_CRM", "CS_REPRESENTATIVE",
        supervisor=t.cs_supervisor_id, hiredOn="2026-11-01",
    )
    early = await gql(
        PLAN, {"input": {"employeeId": new_id, "dueOn": "2026-12-01"}}, token=t.hr.token
    )
    errors = early.data["planRotation"]["errors"]
    assert (errors[0]["field"], errors[0]["code"]) == ("dueOn", "OUT_OF_RANGE")
    assert await RotationPlan.all().count() == 0
    by_supervisor = await gql(PLAN, {"input": {"employeeId": new_id}}, token=t.cs_supervisor.token)
    assert by_supervisor.error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P7.1.2")
async def test_a_project_names_one_interface_person_per_department(gql, person):
    t = await team(gql, person)
    finance = await person("finance")
    finance_id = await hired(gql, t.hr, finance, "FINANCE", "FINANCE_MANAGER")
    values = {
        "name": "Deposit settlement",
        "leadDepartment": "BOOKING_CRM",
        "interfaces": [
            {"department": "BOOKING_CRM", "employeeId": t.sales_supervisor_id},
            {"department": "FINANCE", "employeeId": finance_id},
        ],
    }
    created = await gql(CREATE, {"input": values}, token=t.director.token)
    project = created.data["createProject"]
    assert project["errors"] == [], project
    assert project["project"]["leadDepartment"] == "BOOKING_CRM"
    assert {i["department"]: i["person"]["email"] for i in project["project"]["interfaces"]} == {
        "BOOKING_CRM": t.sales_supervisor.account.email,
        "FINANCE": finance.account.email,
    }
    # The booking department's contact changes: still one per department.
    changed = await gql(
        SET_INTERFACE,
        {"input": {"projectId": project["project"]["id"], "department": "BOOKING_CRM",
                   "employeeId": t.agent_id}},
        token=t.hr.token,
    )
    assert changed.data["setProjectInterface"]["errors"] == []
    assert await ProjectInterface.filter(department__code="BOOKING_CRM").count() == 1
    interface = await ProjectInterface.get(department__code="BOOKING_CRM").prefetch_related(
        "employment"
    )
    assert interface.employment.account_id == t.agent.account.id


@pytest.mark.policy("P7.1.2")
async def test_interface_persons_belong_to_their_department_and_the_lead_names_one(gql, person):
    t = await team(gql, person)
    finance = await person("finance")
    finance_id = await hired(gql, t.hr, finance, "FINANCE", "FINANCE_MANAGER")
    cases = [
        # Someone of another department as the finance contact.
        (
            [("BOOKING_CRM", t.agent_id), ("FINANCE", t.sales_supervisor_id)],
            "interfaces.1.employeeId",
        ),
        # Two contacts of one department.
        ([("BOOKING_CRM", t.agent_id), ("BOOKING_CRM", t.director_id)], "interfaces.1.department"),
        # The lead department without a contact.
        ([("FINANCE", finance_id), ("HR", t.agent_id)], "interfaces.1.employeeId"),
        ([("FINANCE", finance_id)], "interfaces"),
    ]
    for pairs, field in cases:
        values = {
            "name": "Deposit settlement",
            "leadDepartment": "BOOKING_CRM",
            "interfaces": [{"department": d, "employeeId": e} for d, e in pairs],
        }
        reply = await gql(CREATE, {"input": values}, token=t.director.token)
        assert reply.data["createProject"]["errors"][0]["field"] == field, (pairs, reply.body)
    assert await Project.all().count() == 0
    refused = await gql(
        CREATE,
        {"input": {"name": "x", "leadDepartment": "BOOKING_CRM", "interfaces": []}},
        token=t.agent.token,
    )
    assert refused.error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P2.1")
async def test_the_chart_shows_director_supervisors_and_their_staff(gql, person):
    t = await team(gql, person)
    reply = await gql(CHART, {"d": "BOOKING_CRM"}, token=t.agent.token)
    assert reply.errors == [], reply.body
    chart = reply.data["organisationChart"]
    assert chart["department"]["headcount"] == 4
    assert sorted(h["email"] for h in chart["department"]["heads"]) == sorted(
        [t.sales_supervisor.account.email, t.cs_supervisor.account.email]
    )
    lines = [(line["depth"], line["person"]["email"], line["position"]["code"])
             for line in chart["lines"]]
    assert lines == [
        (0, t.director.account.email, "DIRECTOR"),
        (1, t.sales_supervisor.account.email, "SUPERVISOR"),
        (2, t.agent.account.email, "BOOKING_SPECIALIST"),
        (1, t.cs_supervisor.account.email, "SUPERVISOR"),
    ]
    assert chart["lines"][2]["supervisor"] == {"email": t.sales_supervisor.account.email}
    assert chart["lines"][2]["group"] == "SALES_OPERATIONS"
    guest = await person(kind="GUEST")
    assert (await gql(CHART, {"d": "BOOKING_CRM"}, token=guest.token)).error_codes == [
        "FORBIDDEN"
    ]


async def test_each_reads_the_records_they_may(gql, person):
    t = await team(gql, person)

    async def seen(who) -> dict:
        reply = await gql(EMPLOYEES, token=who.token)
        assert reply.errors == [], reply.body
        return {e["node"]["person"]["email"]: e["node"] for e in reply.data["employees"]["edges"]}

    everyone = {p.account.email for p in (t.director, t.sales_supervisor, t.cs_supervisor, t.agent)}
    assert set(await seen(t.hr)) == everyone
    by_director = await seen(t.director)
    assert set(by_director) == everyone
    assert by_director[t.agent.account.email]["hiringCriteria"] == {"yearsOfExperience": 3}
    by_supervisor = await seen(t.sales_supervisor)
    assert set(by_supervisor) == {t.sales_supervisor.account.email, t.agent.account.email}
    assert by_supervisor[t.agent.account.email]["hiringCriteria"] is None
    assert by_supervisor[t.sales_supervisor.account.email]["reports"] == [
        {"email": t.agent.account.email}
    ]
    by_agent = await seen(t.agent)
    assert set(by_agent) == {t.agent.account.email}
    assert by_agent[t.agent.account.email]["supervisor"] == {
        "email": t.sales_supervisor.account.email
    }
    # Through node(id:) too: the agent does not see the director's record.
    node = """query($id: ID!) { node(id: $id) { ... on Employee { id } } }"""
    assert (await gql(node, {"id": t.director_id}, token=t.agent.token)).data["node"] is None
    assert (await gql(node, {"id": t.director_id}, token=t.hr.token)).data["node"] == {
        "id": t.director_id
    }
    guest = await person(kind="GUEST")
    assert (await gql(EMPLOYEES, token=guest.token)).error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["director", "supervisor", "booking_agent", "admin"])
async def test_only_hr_hires_sets_caps_and_ends_employment(gql, person, role):
    caller = await person(role)
    target = await person("cs_rep")
    hire_input = {
        "accountId": gid("StaffAccount", target.account.id),
        "department": "BOOKING_CRM",
        "position": "CS_REPRESENTATIVE",
        "hiredOn": "2026-11-01",
        "yearsOfExperience": 5,
        "interviewNotes": "fine",
    }
    documents = [
        ("""mutation($input: HireEmployeeInput!) { hireEmployee(input: $input) {
            errors { code } } }""", {"input": hire_input}),
        ("""mutation { setHeadcountCap(input: {department: "HR", cap: 3, reason: "x"}) {
            errors { code } } }""", {}),
        ("""mutation($id: ID!) { endEmployment(input: {employeeId: $id, reason: "x"}) {
            errors { code } } }""", {"id": gid("Employee", 1)}),
    ]
    for document, variables in documents:
        reply = await gql(document, variables, token=caller.token)
        assert reply.error_codes == ["FORBIDDEN"], reply.body


async def test_projects_are_listed_for_staff_with_their_interfaces(gql, person):
    t = await team(gql, person)
    values = {
        "name": "Booking engine upgrade",
        "leadDepartment": "BOOKING_CRM",
        "interfaces": [
            {"department": "BOOKING_CRM", "employeeId": t.sales_supervisor_id},
            {"department": "ENGINEERING", "employeeId": t.agent_id},
        ],
    }
    wrong = await gql(CREATE, {"input": values}, token=t.director.token)
    assert wrong.data["createProject"]["errors"][0]["code"] == "INVALID"
    tech = await person("tech_lead")
    values["interfaces"][1]["employeeId"] = await hired(
        gql, t.hr, tech, "ENGINEERING", "TECHNICAL_LEAD"
    )
    created = await gql(CREATE, {"input": values}, token=t.sales_supervisor.token)
    assert created.data["createProject"]["errors"] == []
    listed = await gql(
        "{ projects(first: 5) { totalCount edges { node { name interfaces { department } } } } }",
        token=t.agent.token,
    )
    assert listed.data["projects"]["totalCount"] == 1
    guest = await person(kind="GUEST")
    assert (await gql("{ projects { totalCount } }", token=guest.token)).error_codes == [
        "FORBIDDEN"
    ]


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "finance", "auditor"])
async def test_front_line_and_other_roles_do_not_plan_rotations_or_name_interfaces(
    gql, person, role
):
    caller = await person(role)
    documents = [
        ("""mutation($id: ID!) { completeRotation(input: {planId: $id}) { errors { code } } }""",
         {"id": gid("RotationPlan", 1)}),
        ("""mutation($id: ID!) { planRotation(input: {employeeId: $id}) { errors { code } } }""",
         {"id": gid("Employee", 1)}),
        ("""mutation($p: ID!, $e: ID!) { setProjectInterface(input: {projectId: $p,
            department: "HR", employeeId: $e}) { errors { code } } }""",
         {"p": gid("Project", 1), "e": gid("Employee", 1)}),
        ("{ rotationPlans { totalCount } }", {}),
    ]
    for document, variables in documents:
        reply = await gql(document, variables, token=caller.token)
        assert reply.error_codes == ["FORBIDDEN"], (role, reply.body)


async def test_guests_and_partners_read_nothing_of_the_organisation(gql, person):
    guest = await person(kind="GUEST")
    for document in ("{ departments { code } }", "{ employees { totalCount } }"):
        assert (await gql(document, token=guest.token)).error_codes == ["FORBIDDEN"]
    assert (await gql("{ departments { code } }")).error_codes == ["UNAUTHENTICATED"]
