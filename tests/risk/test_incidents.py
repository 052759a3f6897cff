"""Incidents through the API (P6.2.1): level 1 system failures carry a restore deadline swept by
a job that escalates an overdue incident once and texts the affected scope through the outbox
(each recipient once, however often the job runs), delivered to a real loopback SMS gateway;
level 2 is led by PR, level 3 by a named task force with one spokesperson; every change and
note lands on the timeline with its time and actor; wrong roles are refused."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from strawberry import relay

from authz import tokens
from domain import outbox
from domain.clock import clock
from domain.models import (
    AuditEntry,
    Booking,
    Incident,
    IncidentEvent,
    IncidentMember,
    IncidentNotice,
    Notification,
    OutboxEvent,
)
from tests.bookings.booking_support import TODAY, book, make_hotel
from tests.dual_review_support import set_parameter_reviewed
from workers.jobs import sweep_incidents

D = dt.timedelta
FIELDS = """id level title status startedAt restoreDueAt escalatedAt overdue smsNoticesSent
  scope { kind department start end } resolution resolvedAt
  reportedBy { email } lead { email } spokesperson { email } resolvedBy { email }
  taskForce { email }
  timeline { kind at text fromLevel toLevel actorRef actor { email } }"""
REPORT = f"""mutation($input: ReportIncidentInput!) {{ reportIncident(input: $input) {{
  incident {{ {FIELDS} }} errors {{ field code message }} }} }}"""
UPDATE = f"""mutation($input: UpdateIncidentInput!) {{ updateIncident(input: $input) {{
  incident {{ {FIELDS} }} errors {{ field code message }} }} }}"""
NOTE = f"""mutation($id: ID!, $note: String!) {{
  addIncidentTimelineEntry(input: {{incidentId: $id, note: $note}}) {{
  incident {{ {FIELDS} }} errors {{ field code message }} }} }}"""
RESOLVE = f"""mutation($id: ID!, $r: String!) {{
  resolveIncident(input: {{incidentId: $id, resolution: $r}}) {{
  incident {{ {FIELDS} }} errors {{ field code message }} }} }}"""
LIST = """query($filter: IncidentFilter) { incidents(first: 10, filter: $filter) {
  totalCount edges { node { id level status } } } }"""


async def _tok(who) -> str:
    return (await tokens.issue_session(who.account)).access_token


async def _report(gql, who, **values):
    given = {"level": 1, "title": "Booking engine down", "description": "PMS link lost"}
    given.update(values)
    reply = await gql(REPORT, {"input": given}, token=await _tok(who))
    assert reply.errors == [], reply.body
    return reply.data["reportIncident"]


def _guest(name: str, phone: str) -> dict:
    return {"fullName": name, "phone": phone, "email": f"{name.split()[0].lower()}@example.com"}


async def _stays(gql, person):
    """Two stays of one guest (one phone) and one of another inside the window, one outside,
    one cancelled inside."""
    hotel = await make_hotel()
    agent = await person("booking_agent")
    a1 = await book(gql, agent.token, hotel.std, TODAY + D(days=1), 2,
                    guest=_guest("Li Wei", "+8613800138000"))
    a2 = await book(gql, agent.token, hotel.dlx, TODAY, 3, guest=_guest("Li Wei", "+8613800138000"))
    b = await book(gql, agent.token, hotel.std, TODAY + D(days=1), 1,
                   guest=_guest("Zhao Min", "+8613700137000"))
    far = await book(gql, agent.token, hotel.std, TODAY + D(days=20), 1,
                     guest=_guest("Far Away", "+8613600136000"))
    gone = await book(gql, agent.token, hotel.std, TODAY + D(days=1), 1,
                      guest=_guest("Gone Guest", "+8613500135000"))
    await Booking.filter(number=gone["number"]).update(status="CANCELLED")
    return hotel, agent, [a1, a2, b, far, gone]


@pytest.mark.policy("P6.2.1")
async def test_a_system_failure_texts_its_scope_once_and_escalates_once_when_overdue(
    gql, person, sms_gateway, tmp_path
):
    hotel, agent, _ = await _stays(gql, person)
    tech, director, committee = (
        await person("tech_lead"), await person("director"), await person("committee")
    )
    # The vouchers of the bookings went out first; only the incident's texts are counted.
    await OutboxEvent.filter(destination=outbox.SMS).delete()
    started = clock.now() - D(hours=1)
    window = {"kind": "GUESTS", "start": TODAY.isoformat(),
              "end": (TODAY + D(days=2)).isoformat()}
    reported = await _report(gql, tech, startedAt=started.isoformat(), scope=window)
    assert reported["errors"] == []
    incident = reported["incident"]
    hours = 4  # system_failure_restore_hours
    assert dt.datetime.fromisoformat(incident["restoreDueAt"]) == started + D(hours=hours)
    assert incident["scope"] == {"kind": "GUESTS", "department": None,
                                 "start": TODAY.isoformat(), "end": (TODAY + D(days=2)).isoformat()}
    assert incident["smsNoticesSent"] == 2 and incident["overdue"] is False
    assert [e["kind"] for e in incident["timeline"]] == ["REPORTED", "SCOPE_SET", "SMS_SENT"]
    assert incident["timeline"][0]["actor"]["email"] == tech.account.email
    assert incident["timeline"][2]["actorRef"] == "system"

    # One text per phone in scope: the guest with two stays once, nobody outside the window,
    # no cancelled booking; the text names no guest and no booking.
    texts = await OutboxEvent.filter(destination=outbox.SMS).order_by("id")
    assert sorted(t.payload["to"] for t in texts) == ["+8613700137000", "+8613800138000"]
    for text in texts:
        assert text.payload["ref"] == f"INC-{(await Incident.first()).id}"
        assert "Li Wei" not in text.payload["body"] and "Zhao" not in text.payload["body"]
        assert "restore" in text.payload["body"]

    # The job reruns (twice at once, then again): nobody is texted twice.
    await asyncio.gather(sweep_incidents({}), sweep_incidents({}))
    await sweep_incidents({})
    assert await OutboxEvent.filter(destination=outbox.SMS).count() == 2
    assert await IncidentNotice.all().count() == 2

    # A new arrival inside the window joins the scope: the next run texts them only.
    await book(gql, agent.token, hotel.std, TODAY + D(days=2), 1,
               guest=_guest("New Comer", "+8613400134000"))
    await OutboxEvent.filter(destination=outbox.SMS, topic="booking.confirmed").delete()
    assert (await sweep_incidents({}))["texted"] == 1
    assert (await sweep_incidents({}))["texted"] == 0
    texts = await OutboxEvent.filter(destination=outbox.SMS).order_by("id")
    assert [t.payload["to"] for t in texts][-1] == "+8613400134000" and len(texts) == 3

    # Delivered to the SMS gateway on loopback, each once.
    dispatcher = sms_gateway.dispatcher(tmp_path)
    await asyncio.gather(dispatcher.run_once(), dispatcher.run_once())
    await dispatcher.run_once()
    mine = [m for m in sms_gateway.accepted if (m["ref"] or "").startswith("INC-")]
    assert sorted(m["to"] for m in mine) == ["+8613400134000", "+8613700137000", "+8613800138000"]
    assert sms_gateway.refused == 0

    # Not restored in time: escalated once, to the directors and the committee.
    clock.advance(D(hours=3, minutes=1))
    assert (await sweep_incidents({}))["escalated"] == 1
    await asyncio.gather(sweep_incidents({}), sweep_incidents({}))
    row = await Incident.first()
    assert row.escalated_at == clock.now()
    assert await IncidentEvent.filter(kind="ESCALATED").count() == 1
    told = await Notification.filter(kind="INCIDENT_ESCALATED").values_list("account_id", flat=True)
    assert sorted(told) == sorted([director.account.id, committee.account.id])
    assert await AuditEntry.filter(action="escalateIncident").count() == 1

    resolved = (await gql(RESOLVE, {"id": incident["id"], "r": "Link restored"},
                          token=await _tok(tech))).data["resolveIncident"]
    assert resolved["errors"] == []
    final = resolved["incident"]
    assert final["status"] == "RESOLVED" and final["resolvedBy"]["email"] == tech.account.email
    assert final["timeline"][-1]["kind"] == "RESOLVED"
    assert "after the restore deadline" in final["timeline"][-1]["text"]
    # A resolved incident is neither escalated nor texted again.
    await book(gql, await _tok(agent), hotel.std, TODAY + D(days=1), 1,
               guest=_guest("Late Comer", "+8613300133000"))
    assert await sweep_incidents({}) == {"escalated": 0, "texted": 0}


@pytest.mark.policy("P6.2.1")
async def test_a_department_scope_texts_its_staff_with_a_phone(gql, person):
    tech = await person("tech_lead", phone="+8613100131000")
    await person("tech_lead")  # no phone: told in no text
    await person("booking_agent", phone="+8613200132000")  # another department
    reported = await _report(gql, tech, scope={"kind": "DEPARTMENT", "department": "ENGINEERING"})
    assert reported["errors"] == []
    [text] = await OutboxEvent.filter(destination=outbox.SMS)
    assert text.payload["to"] == "+8613100131000"
    assert await IncidentNotice.filter(recipient_key=f"account:{tech.account.id}").exists()


@pytest.mark.policy("P6.2.1")
async def test_levels_need_their_lead_or_task_force_and_a_level_change_is_on_the_timeline(
    gql, person
):
    tech, director = await person("tech_lead"), await person("director")
    pr, supervisor, legal = await person("pr"), await person("supervisor"), await person("legal")

    # Level 2 is led by PR: without a lead, or with a lead outside PR, nothing is written.
    missing = await _report(gql, tech, level=2, title="Tour group complaints")
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [("leadEmail", "REQUIRED")]
    wrong = await _report(
        gql, tech, level=2, title="Tour group", leadEmail=supervisor.account.email
    )
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("leadEmail", "INVALID")]
    assert await Incident.all().count() == 0 and await IncidentEvent.all().count() == 0
    led = await _report(gql, tech, level=2, title="Tour group", leadEmail=pr.account.email)
    assert led["errors"] == []
    incident = led["incident"]
    assert incident["lead"]["email"] == pr.account.email and incident["restoreDueAt"] is None
    assert await Notification.filter(kind="INCIDENT_LEAD", account_id=pr.account.id).exists()

    # Only the PR lead (or a director) resolves it.
    refused = (await gql(RESOLVE, {"id": incident["id"], "r": "done"}, token=await _tok(tech)))
    assert refused.data["resolveIncident"]["errors"][0]["code"] == "FORBIDDEN"

    # A note by the lead, then the level rises to 3 with a task force and one voice.
    noted = (await gql(NOTE, {"id": incident["id"], "note": "Called the tour operator"},
                       token=await _tok(pr))).data["addIncidentTimelineEntry"]
    assert noted["errors"] == []
    no_voice = {"incidentId": incident["id"], "level": 3,
                "taskForceEmails": [director.account.email, legal.account.email]}
    answer = (await gql(UPDATE, {"input": no_voice}, token=await _tok(tech))).data
    assert answer["updateIncident"]["errors"][0]["field"] == "spokespersonEmail"
    assert (await Incident.first()).level == 2  # nothing half-written
    outsider = {**no_voice, "spokespersonEmail": pr.account.email}
    answer = (await gql(UPDATE, {"input": outsider}, token=await _tok(tech))).data
    assert answer["updateIncident"]["errors"][0]["code"] == "INVALID"
    alone = {**no_voice, "taskForceEmails": [legal.account.email],
             "spokespersonEmail": legal.account.email}
    answer = (await gql(UPDATE, {"input": alone}, token=await _tok(tech))).data
    assert answer["updateIncident"]["errors"][0]["code"] == "REQUIRED"
    raised = {**no_voice, "spokespersonEmail": legal.account.email, "note": "Press picked it up"}
    answer = (await gql(UPDATE, {"input": raised}, token=await _tok(tech))).data["updateIncident"]
    assert answer["errors"] == []
    shown = answer["incident"]
    assert shown["level"] == 3 and shown["spokesperson"]["email"] == legal.account.email
    assert sorted(p["email"] for p in shown["taskForce"]) == sorted(
        [director.account.email, legal.account.email]
    )
    kinds = [(e["kind"], e["fromLevel"], e["toLevel"]) for e in shown["timeline"]]
    assert kinds == [
        ("REPORTED", None, 2),
        ("LEAD_ASSIGNED", None, None),
        ("NOTE", None, None),
        ("LEVEL_CHANGED", 2, 3),
        ("TASK_FORCE_SET", None, None),
    ]
    change = shown["timeline"][3]
    assert change["actor"]["email"] == tech.account.email and change["text"] == "Press picked it up"
    assert dt.datetime.fromisoformat(change["at"]) == clock.now()
    assert await IncidentMember.all().count() == 2

    # At level 3 only a member of the task force (or a director) resolves it.
    refused = await gql(RESOLVE, {"id": incident["id"], "r": "done"}, token=await _tok(pr))
    assert refused.data["resolveIncident"]["errors"][0]["code"] == "FORBIDDEN"
    done = await gql(RESOLVE, {"id": incident["id"], "r": "Statement issued"},
                     token=await _tok(legal))
    assert done.data["resolveIncident"]["errors"] == []
    again = await gql(NOTE, {"id": incident["id"], "note": "late"}, token=await _tok(pr))
    assert again.data["addIncidentTimelineEntry"]["errors"][0]["code"] == "ALREADY_DECIDED"

    listed = (await gql(LIST, {"filter": {"level": 3}}, token=await _tok(director))).data
    assert listed["incidents"]["totalCount"] == 1


async def test_bad_input_is_refused_with_its_field_and_nothing_written(gql, person):
    tech = await person("tech_lead")
    cases = [
        ({"level": 4}, "level", "OUT_OF_RANGE"),
        ({"title": "  "}, "title", "REQUIRED"),
        ({"startedAt": (clock.now() + D(hours=1)).isoformat()}, "startedAt", "OUT_OF_RANGE"),
        ({}, "scope", "REQUIRED"),
        ({"scope": {"kind": "DEPARTMENT", "department": "MOON"}}, "scope.department", "INVALID"),
        ({"scope": {"kind": "GUESTS", "start": "2026-12-10", "end": "2026-12-01"}},
         "scope.end", "OUT_OF_RANGE"),
        ({"scope": {"kind": "GUESTS", "start": "2026-12-01", "end": "2027-03-01"}},
         "scope.end", "OUT_OF_RANGE"),
        ({"level": 3, "taskForceEmails": ["nobody@x.y"]}, "taskForceEmails", "NOT_FOUND"),
    ]
    for values, field, code in cases:
        payload = await _report(gql, tech, **values)
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], values
    assert await Incident.all().count() == 0 and await OutboxEvent.all().count() == 0
    wrong_type = str(relay.GlobalID("Booking", "1"))
    bad_id = await gql(NOTE, {"id": wrong_type, "note": "x"}, token=await _tok(tech))
    assert bad_id.data["addIncidentTimelineEntry"]["errors"][0]["code"] == "INVALID"
    unknown = str(relay.GlobalID("Incident", "99"))
    missing = await gql(NOTE, {"id": unknown, "note": "x"}, token=await _tok(tech))
    assert missing.data["addIncidentTimelineEntry"]["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.policy("P6.1.2")
async def test_wrong_roles_are_refused(gql, person):
    tech, pr = await person("tech_lead"), await person("pr")
    reported = await _report(gql, tech, level=2, title="Complaints", leadEmail=pr.account.email)
    incident_id = reported["incident"]["id"]
    for role in ("booking_agent", "cs_rep", "pr", "auditor", "committee"):
        someone = await person(role)
        reply = await gql(REPORT, {"input": {"level": 2, "title": "x"}}, token=someone.token)
        assert reply.error_codes == ["FORBIDDEN"], role
    for role in ("booking_agent", "committee", "auditor", "supervisor"):
        someone = await person(role)
        reply = await gql(
            UPDATE, {"input": {"incidentId": incident_id, "level": 1}}, token=someone.token
        )
        assert reply.error_codes == ["FORBIDDEN"], role
        if role != "supervisor":  # a supervisor may sit in a level-3 task force
            reply = await gql(RESOLVE, {"id": incident_id, "r": "x"}, token=someone.token)
            assert reply.error_codes == ["FORBIDDEN"], role
    for role in ("booking_agent", "committee", "guest"):
        someone = await person(role) if role != "guest" else await person(kind="GUEST")
        reply = await gql(NOTE, {"id": incident_id, "note": "x"}, token=someone.token)
        assert reply.error_codes == ["FORBIDDEN"], role
    for role in ("booking_agent", "cs_rep", "finance"):
        reply = await gql(LIST, token=(await person(role)).token)
        assert reply.error_codes == ["FORBIDDEN"], role
    assert (await gql(LIST, token=(await person("committee")).token)).errors == []
    assert await IncidentEvent.all().count() == 2  # REPORTED and LEAD_ASSIGNED only


CONVENE = """mutation($input: ConveneCrisisGroupInput!) { conveneCrisisGroup(input: $input) {
  crisisGroup { id } errors { field code } } }"""


@pytest.mark.policy("P6.2.1")
async def test_a_media_crisis_task_force_may_be_an_active_crisis_group(gql, person):
    director, supervisor, tech = (
        await person("director"), await person("supervisor"), await person("tech_lead")
    )
    pr = await person("pr")
    convened = await gql(CONVENE, {"input": {
        "reason": "Press reports on the outage",
        "matters": ["BOOKING_CHANGE"],
        "memberEmails": [supervisor.account.email, tech.account.email],
        "expiresAt": (clock.now() + D(hours=6)).isoformat(),
    }}, token=director.token)
    group = convened.data["conveneCrisisGroup"]["crisisGroup"]["id"]
    reported = await _report(
        gql, director, level=3, title="Newspaper story",
        crisisGroupId=group, taskForceEmails=[pr.account.email],
        spokespersonEmail=pr.account.email,
    )
    assert reported["errors"] == []
    members = {p["email"] for p in reported["incident"]["taskForce"]}
    assert members == {
        director.account.email, supervisor.account.email, tech.account.email, pr.account.email
    }
    told = await Notification.filter(kind="INCIDENT_TASK_FORCE").values_list(
        "account_id", flat=True
    )
    assert len(told) == 4
    # An ended group gives no task force.
    clock.advance(D(hours=7))
    late = await _report(
        gql, director, level=3, title="Second story", crisisGroupId=group,
        taskForceEmails=[pr.account.email], spokespersonEmail=pr.account.email,
    )
    assert [(e["field"], e["code"]) for e in late["errors"]] == [("crisisGroupId", "INVALID")]


@pytest.mark.policy("P6.2.1")
async def test_the_levels_in_force_follow_the_emergency_plan_levels_parameter(gql, person):
    tech, pr = await person("tech_lead"), await person("pr")
    await set_parameter_reviewed("emergency_plan_levels", "2")
    refused = await _report(
        gql, tech, level=3, title="Press", taskForceEmails=[tech.account.email, pr.account.email],
        spokespersonEmail=pr.account.email,
    )
    assert [(e["field"], e["code"], e["message"]) for e in refused["errors"]] == [
        ("level", "OUT_OF_RANGE", "Emergency plans have levels 1 to 2.")
    ]
    led = await _report(gql, tech, level=2, title="Complaints", leadEmail=pr.account.email)
    assert led["errors"] == []
    raised = await gql(UPDATE, {"input": {"incidentId": led["incident"]["id"], "level": 3}},
                       token=await _tok(tech))
    assert raised.data["updateIncident"]["errors"][0]["code"] == "OUT_OF_RANGE"
    assert (await Incident.get()).level == 2
