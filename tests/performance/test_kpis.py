"""Team KPIs from the system's own records and the period snapshots the job stores (P5.1.1-
P5.1.3, P5.1.5): the sales team's conversion, spend per customer and repeat purchases with the
month's top share flagged for the bonus; the customer-service quarterly assessment whose
failure assigns training sessions with due dates; facility-fault tickets to Engineering with
their resolution rate and fix timeliness, and the year's best engineer. Each snapshot is taken
once, however often the job runs."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.models import (
    Booking,
    EvaluationResult,
    FacilityTicket,
    KpiSnapshotRun,
    Notification,
    PerformanceTraining,
)
from tests.bookings.booking_support import TODAY, book, make_hotel
from tests.dual_review_support import set_parameter_reviewed
from tests.inquiries.inquiry_support import recorded
from tests.performance.support import (
    ATTENDED,
    EVALUATIONS,
    RAISE,
    RESOLVE,
    TEAM_KPIS,
    TICKETS,
    TRAINING,
    fresh,
    gid,
    move_to,
    ok,
    staff_id,
)
from workers.jobs import kpi_snapshots

FILE = """mutation($input: FileComplaintInput!) { fileComplaint(input: $input) {
  complaint { id } errors { code } } }"""
HAND_OVER = """mutation($id: ID!, $to: ID!) { handOverComplaint(input: {complaintId: $id,
  toStaffId: $to, note: "night shift"}) { errors { code } } }"""
RESOLVE_COMPLAINT = """mutation($id: ID!) { resolveComplaint(input: {complaintId: $id,
  resolution: "refunded a night"}) { errors { code } } }"""


def _figures(node) -> dict:
    return {f["key"]: f["value"] for f in node["figures"]}


async def _sales_month(gql, person):
    """Three booking specialists in November: A converts both inquiries into two stays of one
    guest (1000.00), B one of two (a stay of 500.00 for another guest), C none of one."""
    hotel = await make_hotel()
    a, b, c = await _agents(person)
    for _ in range(2):
        inquiry = await recorded(gql, a.token, TODAY, 1)
        await book(gql, a.token, hotel.std, TODAY, 1, inquiryId=inquiry["id"])
    first = await recorded(gql, b.token, TODAY, 1)
    await recorded(gql, b.token, TODAY, 1)
    other = {"fullName": "Chen Jing", "phone": "+86 137 0000 0001", "email": "chen@example.com"}
    await book(gql, b.token, hotel.std, TODAY, 1, inquiryId=first["id"], guest=other)
    await recorded(gql, c.token, TODAY, 1)
    assert set(await Booking.all().values_list("status", flat=True)) == {"CONFIRMED"}
    return a, b, c


async def _agents(person):
    return [await person("booking_agent") for _ in range(3)]


@pytest.mark.policy("P5.1.1")
@pytest.mark.policy("P5.1.5")
async def test_the_sales_months_top_share_is_flagged_for_the_bonus(gql, person):
    a, b, c = await _sales_month(gql, person)
    director = await person("director")
    move_to(2026, 12, 2)
    stored = await kpi_snapshots({})
    assert stored > 0
    assert await kpi_snapshots({}) == 0  # a rerun stores nothing twice
    assert await KpiSnapshotRun.filter(period_kind="MONTH").count() == 1
    query = {"filter": {"kind": "KPI", "team": "SALES", "periodKind": "MONTH"}, "first": 10}
    nodes = (await ok(gql, EVALUATIONS, query, await fresh(director)))["evaluations"]["nodes"]
    by_person = {n["personId"]: n for n in nodes}
    assert len(nodes) == 4 and None in by_person  # three people and the team
    figures = {who: _figures(by_person[staff_id(p.account.id)]) for who, p in
               (("a", a), ("b", b), ("c", c))}
    assert figures["a"] | {} == {
        "inquiries": "2", "converted": "2", "conversion_rate_percent": "100.00",
        "customers": "1", "spend": "1000.00", "average_spend_per_customer": "1000.00",
        "repeat_customers": "0", "repeat_purchase_rate_percent": "0.00", "score": "50.00",
    }
    assert (figures["b"]["conversion_rate_percent"], figures["b"]["average_spend_per_customer"],
            figures["b"]["score"]) == ("50.00", "500.00", "16.67")
    assert (figures["c"]["conversion_rate_percent"], figures["c"]["average_spend_per_customer"],
            figures["c"]["score"]) == ("0.00", None, "0.00")
    team = _figures(by_person[None])
    assert (team["inquiries"], team["converted"], team["conversion_rate_percent"]) == (
        "5", "3", "60.00",
    )
    # sales_bonus_top_percent (10) of three people with activity: one, the best.
    flagged = {n["personId"]: (n["flag"], n["rank"]) for n in nodes}
    assert flagged == {
        staff_id(a.account.id): ("BONUS", 1),
        staff_id(b.account.id): (None, 2),
        staff_id(c.account.id): (None, 3),
        None: (None, None),
    }
    assert await EvaluationResult.filter(flag="BONUS").count() == 1


@pytest.mark.policy("P5.1.1")
async def test_the_bonus_share_is_a_parameter(gql, person):
    a, b, _ = await _sales_month(gql, person)
    await set_parameter_reviewed("sales_bonus_top_percent", "50")
    move_to(2026, 12, 2)
    await kpi_snapshots({})
    bonus = await EvaluationResult.filter(flag="BONUS").values_list(
        "subject_account_id", flat=True
    )
    assert sorted(bonus) == sorted([a.account.id, b.account.id])  # ceil(3 x 50%) = 2


@pytest.mark.policy("P5.1.1")
async def test_live_team_kpis_are_aggregates(gql, person):
    await _sales_month(gql, person)
    analyst = await person("data_analyst")
    variables = {"team": "SALES", "from": "2026-11-01", "to": "2026-11-30"}
    kpis = (await ok(gql, TEAM_KPIS, variables, analyst.token))["teamKpis"]
    assert kpis["members"] == 3
    figures = _figures(kpis)
    assert (figures["conversion_rate_percent"], figures["spend"],
            figures["average_spend_per_customer"]) == ("60.00", "1500.00", "750.00")
    bad = await gql(TEAM_KPIS, {**variables, "to": "2026-10-01"}, token=analyst.token)
    assert bad.error_codes == ["BAD_REQUEST"]


async def _complaint(gql, token) -> str:
    given = {"channel": "PHONE", "severity": "GENERAL", "category": "NOISE",
             "description": "noisy neighbours"}
    reply = await gql(FILE, {"input": given}, token=token)
    assert reply.data["fileComplaint"]["errors"] == [], reply.body
    return reply.data["fileComplaint"]["complaint"]["id"]


@pytest.mark.policy("P5.1.2")
@pytest.mark.policy("P5.1.5")
async def test_a_failed_quarterly_cs_assessment_assigns_training_sessions(gql, person):
    rep1, rep2 = await person("cs_rep"), await person("cs_rep")
    supervisor, hr = await person("supervisor"), await person("hr")
    # rep1's complaint is handed over and resolved by rep2: no first-contact resolution.
    handed = await _complaint(gql, rep1.token)
    reply = await gql(HAND_OVER, {"id": handed, "to": staff_id(rep2.account.id)},
                      token=rep1.token)
    assert reply.data["handOverComplaint"]["errors"] == []
    assert (await gql(RESOLVE_COMPLAINT, {"id": handed}, token=rep2.token)).data[
        "resolveComplaint"]["errors"] == []
    own = await _complaint(gql, rep2.token)
    assert (await gql(RESOLVE_COMPLAINT, {"id": own}, token=rep2.token)).data[
        "resolveComplaint"]["errors"] == []

    move_to(2027, 1, 2)
    await kpi_snapshots({})
    assert await kpi_snapshots({}) == 0
    rows = {
        r.subject_account_id: r
        for r in await EvaluationResult.filter(kind="KPI", team="CUSTOMER_SERVICE",
                                               period_kind="QUARTER")
    }
    failed, passed = rows[rep1.account.id], rows[rep2.account.id]
    assert failed.metrics["first_contact_resolution_rate_percent"] == "0.00"
    assert (failed.flag, passed.flag) == ("TRAINING", "")
    assert passed.metrics["first_contact_resolution_rate_percent"] == "100.00"
    # cs_failed_training_sessions (2), due cs_training_spacing_days (14) apart from the
    # quarter's end; told to the person and their supervisor.
    sessions = await PerformanceTraining.filter(account_id=rep1.account.id).order_by(
        "session_number")
    assert [(s.session_number, s.due_on, s.status, s.result_id) for s in sessions] == [
        (1, dt.date(2027, 1, 15), "ASSIGNED", failed.id),
        (2, dt.date(2027, 1, 29), "ASSIGNED", failed.id),
    ]
    assert await PerformanceTraining.all().count() == 2
    told = await Notification.filter(kind="PERFORMANCE_TRAINING").values_list(
        "account_id", flat=True)
    assert sorted(told) == sorted([rep1.account.id, supervisor.account.id])
    # The person, their supervisor and HR see the sessions; a colleague does not.
    for viewer, count in ((rep1, 2), (supervisor, 2), (hr, 2), (rep2, 0)):
        shown = (await ok(gql, TRAINING, None, await fresh(viewer)))["trainingSessions"]
        assert shown["totalCount"] == count, viewer.account.roles
        if count:
            assert {n["person"]["email"] for n in shown["nodes"]} == {rep1.account.email}
            assert [n["dueOn"] for n in shown["nodes"]] == ["2027-01-29", "2027-01-15"]
    # The supervisor records the first session attended, once; another department's head may
    # not, nor a colleague at all.
    first = gid("TrainingSession", sessions[0].id)
    tech = await person("tech_lead")
    refused = (await ok(gql, ATTENDED, {"id": first}, tech.token))["recordTrainingAttendance"]
    assert refused["errors"] == [{"field": "sessionId", "code": "FORBIDDEN"}]
    assert (await gql(ATTENDED, {"id": first}, token=await fresh(rep2))).error_codes == [
        "FORBIDDEN"]
    move_to(2027, 2, 1)  # the second session is overdue by now
    done = (await ok(gql, ATTENDED, {"id": first}, await fresh(supervisor)))[
        "recordTrainingAttendance"]
    assert done["errors"] == [] and done["session"]["status"] == "ATTENDED"
    again = (await ok(gql, ATTENDED, {"id": first}, await fresh(hr)))["recordTrainingAttendance"]
    assert again["errors"] == [{"field": "sessionId", "code": "ALREADY_DECIDED"}]
    shown = (await ok(gql, TRAINING, None, await fresh(rep1)))["trainingSessions"]["nodes"]
    assert [(n["status"], n["overdue"]) for n in shown] == [
        ("ASSIGNED", True), ("ATTENDED", False)]
    attended = await PerformanceTraining.get(id=sessions[0].id)
    assert attended.recorded_by_account_id == supervisor.account.id


@pytest.mark.policy("P5.1.2")
async def test_the_cs_pass_marks_are_parameters(gql, person):
    rep = await person("cs_rep")
    handled = await _complaint(gql, rep.token)
    # Answered after 30 hours: above cs_max_response_hours (24), then allowed 48.
    move_to(2026, 11, 29, 16)
    assert (await gql(RESOLVE_COMPLAINT, {"id": handled}, token=await fresh(rep))).data[
        "resolveComplaint"]["errors"] == []
    await set_parameter_reviewed("cs_max_response_hours", "48")
    move_to(2027, 1, 2)
    await kpi_snapshots({})
    row = await EvaluationResult.get(kind="KPI", team="CUSTOMER_SERVICE", period_kind="QUARTER",
                                     subject_account_id=rep.account.id)
    assert row.metrics["average_response_hours"] == "30.00"
    assert row.flag == ""
    assert await PerformanceTraining.all().count() == 0


async def _raise(gql, who, title="Air conditioning broken in 1203"):
    reply = await gql(RAISE, {"input": {"title": title, "location": "Room 1203"}},
                      token=await fresh(who))
    assert reply.errors == [], reply.body
    return reply.data["raiseFacilityTicket"]


async def _resolve(gql, who, ticket_id, resolution="Replaced the compressor."):
    reply = await gql(RESOLVE, {"input": {"ticketId": ticket_id, "resolution": resolution}},
                      token=await fresh(who))
    return reply


@pytest.mark.policy("P5.1.3")
async def test_facility_tickets_are_assigned_to_engineering_and_resolved_by_the_deadline(
    gql, person
):
    tech1, tech2 = await person("tech_lead"), await person("tech_lead")
    agent = await person("booking_agent")
    raised = [await _raise(gql, agent, f"Fault {i}") for i in range(3)]
    assert [r["errors"] for r in raised] == [[], [], []]
    tickets = [r["ticket"] for r in raised]
    assert [t["assignee"]["email"] for t in tickets] == [
        tech1.account.email, tech2.account.email, tech1.account.email,
    ]
    assert tickets[0]["fixDueAt"].startswith("2026-11-29T02:00:00")  # facility_fix_hours (24)
    told = await Notification.filter(kind="FACILITY_TICKET").values_list("account_id", flat=True)
    assert set(told) == {tech1.account.id, tech2.account.id}
    assert (await _raise(gql, agent, " "))["errors"] == [{"field": "title", "code": "REQUIRED"}]
    assert await FacilityTicket.all().count() == 3

    done = await _resolve(gql, tech1, tickets[0]["id"])
    assert done.data["resolveFacilityTicket"]["ticket"]["onTime"] is True
    again = await _resolve(gql, tech1, tickets[0]["id"])
    assert again.data["resolveFacilityTicket"]["errors"] == [
        {"field": "ticketId", "code": "ALREADY_DECIDED"}
    ]
    move_to(2026, 11, 29, 12)  # past the 24 hours
    late = await _resolve(gql, tech2, tickets[1]["id"])
    assert late.data["resolveFacilityTicket"]["ticket"] | {"id": None} == {
        "id": None, "status": "RESOLVED", "onTime": False,
        "resolvedBy": {"email": tech2.account.email},
    }
    assert (await _resolve(gql, agent, tickets[2]["id"])).error_codes == ["FORBIDDEN"]
    assert await FacilityTicket.filter(status="RESOLVED").count() == 2

    # The one who raised them sees theirs; Engineering sees all, the open one overdue.
    listed = (await ok(gql, TICKETS, None, await fresh(tech1)))["facilityTickets"]
    assert listed["totalCount"] == 3
    assert [n["overdue"] for n in listed["nodes"]] == [True, False, False]
    other = await person("cs_rep")
    assert (await ok(gql, TICKETS, None, other.token))["facilityTickets"]["totalCount"] == 0
    assert (await ok(gql, TICKETS, None, await fresh(agent)))["facilityTickets"][
        "totalCount"] == 3

    director = await person("director")
    variables = {"team": "TECHNICAL_SUPPORT", "from": "2026-11-01", "to": "2026-11-30"}
    figures = _figures((await ok(gql, TEAM_KPIS, variables, director.token))["teamKpis"])
    assert (figures["tickets"], figures["resolved"], figures["resolution_rate_percent"],
            figures["on_time_fix_rate_percent"]) == ("3", "2", "66.67", "50.00")

    # The year's snapshot flags the best engineer: tech2 resolved all they were given (late),
    # tech1 one of two (on time); resolution rate comes first.
    move_to(2027, 1, 2)
    await kpi_snapshots({})
    assert await kpi_snapshots({}) == 0
    year = {
        r.subject_account_id: r
        for r in await EvaluationResult.filter(kind="KPI", team="TECHNICAL_SUPPORT",
                                               period_kind="YEAR")
    }
    assert (year[tech2.account.id].flag, year[tech2.account.id].rank) == (
        "PROMOTION_PRIORITY", 1)
    assert (year[tech1.account.id].flag, year[tech1.account.id].rank) == ("", 2)
    assert year[tech1.account.id].metrics["resolution_rate_percent"] == "50.00"
    assert year[tech1.account.id].metrics["on_time_fix_rate_percent"] == "100.00"
    assert year[None].metrics["tickets"] == "3"
