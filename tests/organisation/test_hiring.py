"""Departments and hiring through the API: the departments are the codes budgets and disputes
store, the booking department has its two groups and its ladder, each position names the staff
roles it carries (P1.1, P2.1, P2.2); a hire is recorded with the hiring criteria and refused
below them (P2.4), with its learning period (P2.6) and a reporting line that runs upwards
(P2.1); a department holds at most its headcount cap unless a second HR member reviews the
hire over it (P2.3). Refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import departments as stand_in
from domain.finance.departments import DEPARTMENTS
from domain.models import (
    AuditEntry,
    Department,
    Employment,
    PendingOperation,
    StaffBlacklistEntry,
)
from domain.organisation import ensure_structure
from tests.dual_review_support import confirm_through_api
from tests.organisation.support import (
    LONG_AGO,
    hire,
    hired,
    team,
)

DEPARTMENTS_QUERY = """{ departments { code name headcount headcountCap ownHeadcountCap
  groups { code name } positions { code level headsDepartment roles } heads { email } } }"""
SET_CAP = """mutation($d: String!, $c: Int) {
  setHeadcountCap(input: {department: $d, cap: $c, reason: "winter volume"}) {
    department { code headcountCap ownHeadcountCap headcount } errors { field code message } } }"""


@pytest.fixture(autouse=True)
async def structure():
    await ensure_structure()


@pytest.mark.policy("P2.1")
async def test_departments_groups_and_positions_are_records_with_their_roles(gql, person):
    reader = await person("booking_agent")
    reply = await gql(DEPARTMENTS_QUERY, token=reader.token)
    assert reply.errors == [], reply.body
    found = {d["code"]: d for d in reply.data["departments"]}
    # Exactly the codes already stored by budgets and disputes.
    assert list(found) == list(DEPARTMENTS)
    booking = found["BOOKING_CRM"]
    assert [g["code"] for g in booking["groups"]] == ["SALES_OPERATIONS", "CUSTOMER_SERVICE"]
    ladder = {p["code"]: (p["level"], p["roles"]) for p in booking["positions"]}
    assert ladder == {
        "BOOKING_SPECIALIST": (1, ["booking_agent"]),
        "CS_REPRESENTATIVE": (1, ["cs_rep"]),
        "DATA_ANALYST": (1, ["data_analyst"]),
        "SUPERVISOR": (2, ["supervisor"]),
        "DIRECTOR": (3, ["director"]),
    }
    assert booking["headcountCap"] == 30 and booking["ownHeadcountCap"] is None
    assert found["FINANCE"]["headcountCap"] is None
    # Written again, nothing is duplicated.
    assert await ensure_structure() == 0
    assert await Department.all().count() == len(DEPARTMENTS)


@pytest.mark.policy("P2.4")
async def test_a_hire_below_the_criteria_is_refused_with_the_reason(gql, person):
    hr, director = await person("hr"), await person("director")
    answer = await hire(gql, hr, director, "BOOKING_CRM", "DIRECTOR", yearsOfExperience=1)
    assert answer["employee"] is None
    error = answer["errors"][0]
    assert (error["field"], error["code"]) == ("yearsOfExperience", "HIRING_CRITERIA_NOT_MET")
    assert "2 years" in error["message"] and "has 1" in error["message"]
    missing_notes = await hire(gql, hr, director, "BOOKING_CRM", "DIRECTOR", interviewNotes=" ")
    assert missing_notes["errors"][0]["field"] == "interviewNotes"
    assert await Employment.all().count() == 0
    refused = await AuditEntry.filter(action="hireEmployee", outcome="REJECTED").count()
    assert refused == 2


@pytest.mark.policy("P2.4")
@pytest.mark.policy("P2.6")
async def test_a_hire_records_the_criteria_and_the_learning_period(gql, person):
    hr, director = await person("hr"), await person("director")
    answer = await hire(
        gql, hr, director, "BOOKING_CRM", "DIRECTOR", hiredOn="2026-11-30", yearsOfExperience=2
    )
    assert answer["errors"] == [], answer
    employee = answer["employee"]
    assert employee["position"] == {"code": "DIRECTOR", "level": 3, "roles": ["director"]}
    assert employee["hiringCriteria"] == {
        "yearsOfExperience": 2,
        "qualifications": "English certificate (CET-6)",
        "interviewNotes": "Calm on the phone, knows the PMS.",
    }
    # onboarding_learning_months (3) after the start.
    assert employee["learningEndsOn"] == "2027-02-28"
    assert employee["inLearningPeriod"] is True
    row = await Employment.get(account_id=director.account.id)
    assert (row.learning_ends_on, row.years_experience) == (dt.date(2027, 2, 28), 2)
    assert row.hired_by_account_id == hr.account.id
    assert await AuditEntry.filter(action="hireEmployee", outcome="SUCCESS").count() == 1


async def test_the_account_must_hold_the_positions_roles_and_be_hired_once(gql, person):
    hr, agent = await person("hr"), await person("booking_agent")
    wrong = await hire(gql, hr, agent, "BOOKING_CRM", "DIRECTOR")
    assert (wrong["errors"][0]["field"], wrong["errors"][0]["code"]) == ("position", "INVALID")
    other = await hire(gql, hr, agent, "FINANCE", "BOOKING_SPECIALIST")
    assert other["errors"][0]["field"] == "position"
    unknown = await hire(gql, hr, agent, "KITCHEN", "BOOKING_SPECIALIST")
    assert (unknown["errors"][0]["field"], unknown["errors"][0]["code"]) == (
        "department",
        "NOT_FOUND",
    )
    director = await person("director")
    await hired(gql, hr, director, "BOOKING_CRM", "DIRECTOR")
    again = await hire(gql, hr, director, "BOOKING_CRM", "DIRECTOR")
    assert again["errors"][0]["code"] == "DUPLICATE"
    assert await Employment.all().count() == 1


@pytest.mark.policy("P2.1")
async def test_reporting_lines_run_from_staff_to_supervisor_to_director(gql, person):
    t = await team(gql, person)
    hr = t.hr
    newcomer = await person("booking_agent")
    # Staff report to someone: a front-line hire without a supervisor is refused.
    alone = await hire(gql, hr, newcomer, "BOOKING_CRM", "BOOKING_SPECIALIST")
    assert alone["errors"][0]["code"] == "SUPERVISOR_REQUIRED"
    # ... to someone higher: a fellow specialist is no supervisor.
    peer = await hire(gql, hr, newcomer, "BOOKING_CRM", "BOOKING_SPECIALIST", supervisor=t.agent_id)
    assert peer["errors"][0]["field"] == "supervisorId"
    # ... to the supervisor of their own group.
    wrong_group = await hire(
        gql, hr, newcomer, "BOOKING_CRM", "BOOKING_SPECIALIST", supervisor=t.cs_supervisor_id
    )
    assert "own group" in wrong_group["errors"][0]["message"]
    ok = await hire(
        gql, hr, newcomer, "BOOKING_CRM", "BOOKING_SPECIALIST", supervisor=t.sales_supervisor_id
    )
    assert ok["errors"] == []
    employee = ok["employee"]
    assert (employee["group"], employee["supervisor"]["email"]) == (
        "SALES_OPERATIONS",
        t.sales_supervisor.account.email,
    )
    # The supervisors report to the director, the director to nobody in the department.
    lines = {
        e.account_id: e.supervisor_id
        for e in await Employment.all()
    }
    director_row = await Employment.get(account_id=t.director.account.id)
    sales_row = await Employment.get(account_id=t.sales_supervisor.account.id)
    assert lines[t.sales_supervisor.account.id] == director_row.id
    assert lines[newcomer.account.id] == sales_row.id
    assert lines[t.director.account.id] is None


@pytest.mark.policy("P2.3")
async def test_a_hire_over_the_cap_is_refused_unless_a_second_hr_member_reviews_it(gql, person):
    hr, second_hr = await person("hr"), await person("hr")
    director = await person("director")
    director_id = await hired(gql, hr, director, "BOOKING_CRM", "DIRECTOR")
    capped = await gql(SET_CAP, {"d": "BOOKING_CRM", "c": 2}, token=hr.token)
    assert capped.data["setHeadcountCap"]["department"] == {
        "code": "BOOKING_CRM",
        "headcountCap": 2,
        "ownHeadcountCap": 2,
        "headcount": 1,
    }
    first = await person("supervisor")
    await hired(
        gql, hr, first, "BOOKING_CRM", "SUPERVISOR", group="SALES_OPERATIONS",
        supervisor=director_id,
    )
    over = await person("supervisor")
    refused = await hire(
        gql, hr, over, "BOOKING_CRM", "SUPERVISOR", group="CUSTOMER_SERVICE",
        supervisor=director_id,
    )
    assert refused["errors"][0]["code"] == "HEADCOUNT_CAP_REACHED"
    assert "2 of its 2" in refused["errors"][0]["message"]
    assert not await Employment.filter(account_id=over.account.id).exists()

    reviewed = await hire(
        gql, hr, over, "BOOKING_CRM", "SUPERVISOR", group="CUSTOMER_SERVICE",
        supervisor=director_id, overCapReason="Peak season: the customer service group is short",
    )
    assert reviewed["errors"] == [] and reviewed["employee"] is None
    pending = reviewed["pendingOperation"]
    assert pending["operation"] == "employee.hire_over_cap"
    assert pending["requiredPermissions"] == ["headcount:review"]
    assert not await Employment.filter(account_id=over.account.id).exists()
    # The maker does not review their own hire; the director may not review headcount.
    own = await confirm_through_api(gql, pending, hr.token)
    assert own["errors"][0]["code"] == "FORBIDDEN"
    by_director = await confirm_through_api(gql, pending, director.token)
    assert by_director["errors"][0]["code"] == "FORBIDDEN"
    confirmed = await confirm_through_api(gql, pending, second_hr.token)
    assert confirmed["errors"] == [], confirmed
    row = await Employment.get(account_id=over.account.id)
    assert row.over_cap_operation_id is not None
    assert (await PendingOperation.get(id=row.over_cap_operation_id)).status == "EXECUTED"
    assert row.hired_by_account_id == hr.account.id


@pytest.mark.policy("P2.3")
async def test_hr_sets_the_cap_not_below_the_people_it_holds(gql, person):
    hr, director = await person("hr"), await person("director")
    await hired(gql, hr, director, "BOOKING_CRM", "DIRECTOR")
    # A later supervisor... the cap cannot drop under the current headcount (1).
    too_low = await gql(SET_CAP, {"d": "BOOKING_CRM", "c": 0}, token=hr.token)
    assert too_low.data["setHeadcountCap"]["errors"][0]["code"] == "OUT_OF_RANGE"
    reset = await gql(SET_CAP, {"d": "BOOKING_CRM", "c": None}, token=hr.token)
    assert reset.data["setHeadcountCap"]["department"]["headcountCap"] == 30
    finance = await gql(SET_CAP, {"d": "finance", "c": 4}, token=hr.token)
    assert finance.data["setHeadcountCap"]["department"]["headcountCap"] == 4
    assert (await Department.get(code="FINANCE")).headcount_cap == 4
    assert await AuditEntry.filter(action="setHeadcountCap", outcome="SUCCESS").count() == 2
    refused = await gql(SET_CAP, {"d": "FINANCE", "c": 5}, token=director.token)
    assert refused.error_codes == ["FORBIDDEN"]


async def test_departments_helpers_read_the_records_and_fall_back_to_roles(gql, person):
    t = await team(gql, person)
    # Heads of the booking department: its supervisors, from the records.
    assert sorted(await stand_in.heads_of("BOOKING_CRM")) == sorted(
        [t.sales_supervisor.account.id, t.cs_supervisor.account.id]
    )
    # A department without recorded heads falls back to the role mapping.
    finance = await person("finance")
    assert await stand_in.heads_of("FINANCE") == [finance.account.id]
    assert await stand_in.department_of_account(t.agent.account.id) == "BOOKING_CRM"
    assert await stand_in.department_of_account(finance.account.id) == "FINANCE"
    assert await stand_in.supervisor_of(t.agent.account.id) == t.sales_supervisor.account.id
    assert await stand_in.supervisor_of(t.director.account.id) is None
    assert await stand_in.supervisor_of(finance.account.id) is None
    assert stand_in.department_of(["cs_rep"]) == "BOOKING_CRM"


async def test_ending_an_employment_needs_the_reports_moved_first(gql, person):
    t = await team(gql, person)
    end = """mutation($id: ID!) { endEmployment(input: {employeeId: $id, reason: "left"}) {
      employee { active } errors { code } } }"""
    blocked = await gql(end, {"id": t.sales_supervisor_id}, token=t.hr.token)
    assert blocked.data["endEmployment"]["errors"][0]["code"] == "CONFLICT"
    done = await gql(end, {"id": t.agent_id}, token=t.hr.token)
    assert done.data["endEmployment"]["employee"] == {"active": False}
    assert (await Employment.get(account_id=t.agent.account.id)).active is False
    assert LONG_AGO.year == 2023


@pytest.mark.policy("P2.1")
async def test_the_booking_department_hires_at_most_its_supervisors_and_one_director(gql, person):
    t = await team(gql, person)  # supervisor_count is 2: both places are taken
    third = await person("supervisor")
    refused = await hire(
        gql, t.hr, third, "BOOKING_CRM", "SUPERVISOR", group="SALES_OPERATIONS",
        supervisor=t.director_id,
    )
    error = refused["errors"][0]
    assert (error["field"], error["code"]) == ("position", "HEADCOUNT_CAP_REACHED")
    assert "at most 2" in error["message"]
    second_director = await person("director")
    again = await hire(gql, t.hr, second_director, "BOOKING_CRM", "DIRECTOR")
    assert "at most 1" in again["errors"][0]["message"]
    assert await Employment.all().count() == 4


@pytest.mark.policy("P5.2.4")
async def test_a_person_blacklisted_for_data_falsification_is_not_hired(gql, person):
    hr, director, cheat = await person("hr"), await person("director"), await person("cs_rep")
    await StaffBlacklistEntry.create(
        account_id=cheat.account.id, id_document_number="110101199001011234",
        reason="Forged the night-audit figures", decided_by_account_id=director.account.id,
    )
    answer = await hire(gql, hr, cheat, "BOOKING_CRM", "CS_REPRESENTATIVE")
    assert answer["employee"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [
        ("accountId", "HIRING_CRITERIA_NOT_MET")
    ]
    assert await Employment.filter(account_id=cheat.account.id).count() == 0
