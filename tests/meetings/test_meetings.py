"""Meetings through the API: who attends each kind, how long it lasts, the notice a special
meeting needs, the notices everyone receives, recurring meetings generated ahead exactly once,
cancelling, and who may see and call what (P4.2.1-P4.2.3, P4.2.6, P7.1.3)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from domain.clock import clock
from domain.models import (
    Employment,
    Meeting,
    MeetingParticipant,
    MeetingSeries,
    Notification,
    OutboxEvent,
    Position,
)
from domain.organisation.structure import ensure_structure
from domain.policy_params import params
from workers.jobs import generate_meetings

SCHEDULE = """mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) {
  meeting { id kind title startsAt endsAt status recurring projectName
            calledBy { displayName } participants { capacity person { email } } }
  errors { field code message } } }"""
CANCEL = """mutation($input: CancelMeetingInput!) { cancelMeeting(input: $input) {
  meeting { id status cancelReason } errors { field code } } }"""
LIST = """query($f: MeetingFilter, $first: Int, $after: String) {
  meetings(first: $first, after: $after, filter: $f) { totalCount
  pageInfo { hasNextPage endCursor } edges { node { id title startsAt } } } }"""

LATER = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in the hotel


def _at(moment: dt.datetime) -> str:
    return moment.isoformat()


async def _schedule(gql, token, **fields):
    values = {"kind": "WEEKLY_BUSINESS", "title": "Weekly business", "startsAt": _at(LATER)}
    values.update(fields)
    reply = await gql(SCHEDULE, {"input": values}, token=token)
    assert not reply.errors, reply.errors
    return reply.data["scheduleMeeting"]


def _emails(meeting) -> set[str]:
    return {p["person"]["email"] for p in meeting["participants"]}


@pytest.mark.policy("P4.2.1")
async def test_the_weekly_meeting_gathers_the_whole_department_for_the_policy_length(gql, person):
    director = await person("director")
    staff = [await person(role) for role in ("booking_agent", "cs_rep", "data_analyst")]
    outsider = await person("finance")
    done = await _schedule(gql, director.token)
    assert done["errors"] == []
    meeting = done["meeting"]
    assert _emails(meeting) == {director.account.email, *(s.account.email for s in staff)}
    assert outsider.account.email not in _emails(meeting)
    chair = [p for p in meeting["participants"] if p["capacity"] == "CHAIR"]
    assert chair[0]["person"]["email"] == director.account.email
    length = dt.datetime.fromisoformat(meeting["endsAt"]) - dt.datetime.fromisoformat(
        meeting["startsAt"]
    )
    assert length == dt.timedelta(hours=float(await params.weekly_meeting_hours))
    # Everyone is told in the app and by e-mail, in the same transaction as the meeting.
    row = await Meeting.get()
    assert await Notification.filter(kind="MEETING_SCHEDULED", subject_id=str(row.id)).count() == 4
    mails = await OutboxEvent.filter(topic="meeting.scheduled")
    assert sorted(m.payload["to"] for m in mails) == sorted(_emails(meeting))


@pytest.mark.policy("P4.2.2")
async def test_the_monthly_analysis_adds_finance_and_engineering(gql, person):
    supervisor, finance, tech = (
        await person("supervisor"),
        await person("finance"),
        await person("tech_lead"),
    )
    hr = await person("hr")
    meeting = (await _schedule(gql, supervisor.token, kind="MONTHLY_OPERATIONS"))["meeting"]
    assert {finance.account.email, tech.account.email} <= _emails(meeting)
    assert hr.account.email not in _emails(meeting)
    ends = dt.datetime.fromisoformat(meeting["endsAt"])
    assert ends - LATER == dt.timedelta(hours=float(await params.monthly_meeting_hours))


@pytest.mark.policy("P4.2.1")
@pytest.mark.policy("P4.2.2")
async def test_once_the_organisation_is_recorded_its_records_decide_who_attends(gql, person):
    """The booking department's staff by their employment records; the monthly analysis adds
    the head of every other department, or all its staff when it has no head (Marketing)."""
    await ensure_structure()
    positions = {p.code: p for p in await Position.all().prefetch_related("department")}

    async def employ(role, position, *, active=True):
        someone = await person(role)
        await Employment.create(
            account_id=someone.account.id,
            department=positions[position].department,
            position=positions[position],
            hired_on=dt.date(2024, 1, 8),
            learning_ends_on=dt.date(2024, 4, 8),
            active=active,
        )
        return someone.account.email

    director = await person("director")
    await Employment.create(
        account_id=director.account.id,
        department=positions["DIRECTOR"].department,
        position=positions["DIRECTOR"],
        hired_on=dt.date(2024, 1, 8),
        learning_ends_on=dt.date(2024, 4, 8),
    )
    department = {
        director.account.email,
        await employ("booking_agent", "BOOKING_SPECIALIST"),
        await employ("supervisor", "SUPERVISOR"),
    }
    await employ("booking_agent", "BOOKING_SPECIALIST", active=False)  # has left
    await person("cs_rep")  # a role without an employment record: not the department's
    marketing = await employ("data_analyst", "MARKETING_SPECIALIST")
    await employ("finance", "FINANCE_OFFICER")
    finance_head = await employ("finance", "FINANCE_MANAGER")
    await employ("tech_lead", "ENGINEER")
    engineering_head = await employ("tech_lead", "TECHNICAL_LEAD")
    committee = await employ("committee", "OPERATIONS_COMMITTEE")
    await employ("legal", "LEGAL_COUNSEL")

    weekly = await _schedule(gql, director.token)
    assert weekly["errors"] == [] and _emails(weekly["meeting"]) == department
    monthly = await _schedule(
        gql, director.token, kind="MONTHLY_OPERATIONS", title="Operations analysis"
    )
    assert monthly["errors"] == []
    assert _emails(monthly["meeting"]) == department | {
        marketing,
        finance_head,
        engineering_head,
        committee,
    }


@pytest.mark.policy("P4.2.3")
async def test_the_strategy_seminar_is_for_management_and_only_the_director_calls_it(gql, person):
    director, supervisor, committee = (
        await person("director"),
        await person("supervisor"),
        await person("committee"),
    )
    agent = await person("booking_agent")
    refused = await _schedule(gql, supervisor.token, kind="QUARTERLY_STRATEGY")
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    meeting = (await _schedule(gql, director.token, kind="QUARTERLY_STRATEGY"))["meeting"]
    assert _emails(meeting) == {
        director.account.email,
        supervisor.account.email,
        committee.account.email,
    }
    assert agent.account.email not in _emails(meeting)


@pytest.mark.policy("P4.2.6")
async def test_a_special_meeting_needs_its_notice(gql, person):
    supervisor, agent = await person("supervisor"), await person("booking_agent")
    notice = await params.special_meeting_notice_hours
    too_soon = clock.now() + dt.timedelta(hours=notice) - dt.timedelta(minutes=1)
    refused = await _schedule(
        gql,
        supervisor.token,
        kind="SPECIAL",
        title="Overbooking review",
        startsAt=_at(too_soon),
        participantEmails=[agent.account.email],
    )
    assert refused["errors"][0]["code"] == "NOTICE_TOO_SHORT"
    assert await Meeting.all().count() == 0 and await OutboxEvent.all().count() == 0
    on_time = clock.now() + dt.timedelta(hours=notice)
    done = await _schedule(
        gql,
        supervisor.token,
        kind="SPECIAL",
        title="Overbooking review",
        startsAt=_at(on_time),
        participantEmails=[agent.account.email],
        durationMinutes=45,
    )
    assert done["errors"] == []
    assert _emails(done["meeting"]) == {supervisor.account.email, agent.account.email}
    ends = dt.datetime.fromisoformat(done["meeting"]["endsAt"])
    assert ends - on_time == dt.timedelta(minutes=45)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"startsAt": "2026-11-27T09:00:00+08:00"}, "startsAt", "OUT_OF_RANGE"),
        ({"startsAt": "2029-01-01T09:00:00+08:00"}, "startsAt", "OUT_OF_RANGE"),
        ({"title": "  "}, "title", "REQUIRED"),
        ({"title": "x" * 201}, "title", "TOO_LONG"),
        ({"durationMinutes": 30}, "durationMinutes", "INVALID"),
        (
            {"kind": "SPECIAL", "durationMinutes": 30, "participantEmails": ["a@b.c"]},
            "participantEmails",
            "NOT_FOUND",
        ),
        ({"kind": "SPECIAL", "durationMinutes": 5}, "durationMinutes", "OUT_OF_RANGE"),
        ({"kind": "SPECIAL", "recurring": True}, "recurring", "INVALID"),
        ({"kind": "JOINT_PROJECT", "projectName": "Spa launch"}, "participantEmails", "REQUIRED"),
        ({"kind": "JOINT_PROJECT"}, "projectName", "REQUIRED"),
    ],
)
async def test_bad_meetings_are_refused_and_nothing_is_written(gql, person, fields, field, code):
    director = await person("director")
    refused = await _schedule(gql, director.token, **fields)
    assert refused["meeting"] is None
    assert (refused["errors"][0]["field"], refused["errors"][0]["code"]) == (field, code)
    assert await Meeting.all().count() == 0
    assert await MeetingSeries.all().count() == 0
    assert await Notification.all().count() == 0


@pytest.mark.policy("P7.1.3")
async def test_a_joint_project_meets_weekly_with_the_people_named(gql, person):
    tech, agent = await person("tech_lead"), await person("booking_agent")
    done = await _schedule(
        gql,
        tech.token,
        kind="JOINT_PROJECT",
        title="Smart-lock rollout",
        projectName="Smart locks",
        participantEmails=[agent.account.email],
        recurring=True,
    )
    assert done["errors"] == []
    assert done["meeting"]["projectName"] == "Smart locks"
    assert _emails(done["meeting"]) == {tech.account.email, agent.account.email}
    starts = sorted(m.starts_at for m in await Meeting.all())
    assert all(b - a == dt.timedelta(weeks=1) for a, b in itertools.pairwise(starts))
    assert await MeetingParticipant.filter(account_id=agent.account.id).count() == len(starts)


@pytest.mark.policy("P4.2.1")
async def test_recurring_meetings_are_generated_ahead_once_even_by_jobs_racing(gql, person):
    director = await person("director")
    done = await _schedule(gql, director.token, recurring=True)
    assert done["meeting"]["recurring"] is True
    ahead = dt.timedelta(days=await params.meeting_schedule_ahead_days)
    first = await Meeting.all().order_by("starts_at")
    assert [m.starts_at for m in first] == [
        LATER + dt.timedelta(weeks=n) for n in range(len(first))
    ]
    assert first[-1].starts_at <= clock.now() + ahead < first[-1].starts_at + dt.timedelta(weeks=1)
    # Nothing more is due: the job writes nothing, not even an audit entry.
    assert await generate_meetings({}) == 0
    clock.advance(dt.timedelta(weeks=3))
    made = await asyncio.gather(generate_meetings({}), generate_meetings({}))
    assert sum(made) == 3
    starts = [m.starts_at for m in await Meeting.all().order_by("starts_at")]
    assert len(starts) == len(set(starts)) == len(first) + 3
    assert all(b - a == dt.timedelta(weeks=1) for a, b in itertools.pairwise(starts))
    # Each occurrence was announced once to each participant.
    assert await Notification.filter(kind="MEETING_SCHEDULED").count() == len(starts)


async def test_cancelling_tells_everyone_and_can_end_a_series(gql, person):
    director, agent = await person("director"), await person("booking_agent")
    meeting = (await _schedule(gql, director.token, recurring=True))["meeting"]
    refused = await gql(
        CANCEL, {"input": {"meetingId": meeting["id"], "reason": "holiday"}}, token=agent.token
    )
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    bare = await gql(
        CANCEL, {"input": {"meetingId": meeting["id"], "reason": " "}}, token=director.token
    )
    assert bare.data["cancelMeeting"]["errors"][0]["code"] == "REQUIRED"
    done = await gql(
        CANCEL,
        {"input": {"meetingId": meeting["id"], "reason": "Moved to Tuesdays", "wholeSeries": True}},
        token=director.token,
    )
    assert done.data["cancelMeeting"]["meeting"]["status"] == "CANCELLED"
    assert await Meeting.filter(status="SCHEDULED").count() == 0
    assert not (await MeetingSeries.get()).is_active
    cancelled = await Meeting.all().count()
    assert (
        await Notification.filter(kind="MEETING_CANCELLED", account_id=agent.account.id).count()
        == cancelled
    )
    again = await gql(
        CANCEL, {"input": {"meetingId": meeting["id"], "reason": "x"}}, token=director.token
    )
    assert again.data["cancelMeeting"]["errors"][0]["code"] == "INVALID_TRANSITION"
    clock.advance(dt.timedelta(weeks=8))
    assert await generate_meetings({}) == 0


async def test_attendees_see_their_own_meetings_and_managers_see_all(gql, person):
    director, supervisor = await person("director"), await person("supervisor")
    agent, finance = await person("booking_agent"), await person("finance")
    await _schedule(gql, director.token, title="Weekly")
    await _schedule(
        gql,
        director.token,
        kind="SPECIAL",
        title="Audit prep",
        participantEmails=[supervisor.account.email],
    )
    titles = {}
    for who in (director, supervisor, agent, finance):
        reply = await gql(LIST, {"f": None, "first": 10}, token=who.token)
        titles[who.account.id] = {e["node"]["title"] for e in reply.data["meetings"]["edges"]}
    assert titles[director.account.id] == titles[supervisor.account.id] == {"Weekly", "Audit prep"}
    assert titles[agent.account.id] == {"Weekly"}
    assert titles[finance.account.id] == set()
    mine = await gql(LIST, {"f": {"onlyMine": True}, "first": 10}, token=supervisor.token)
    assert {e["node"]["title"] for e in mine.data["meetings"]["edges"]} == {"Weekly", "Audit prep"}


async def test_meetings_page_in_order_of_start(gql, person):
    director = await person("director")
    await _schedule(gql, director.token, recurring=True)
    total = await Meeting.all().count()
    seen, after = [], None
    while True:
        reply = await gql(LIST, {"f": None, "first": 2, "after": after}, token=director.token)
        page = reply.data["meetings"]
        assert page["totalCount"] == total
        seen += [e["node"]["startsAt"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == total


@pytest.mark.parametrize("role", [None, "guest", "partner"])
async def test_outsiders_see_no_meetings_and_call_none(gql, person, partner, role):
    director = await person("director")
    await _schedule(gql, director.token)
    if role == "guest":
        token = (await person(kind="GUEST")).token
    elif role == "partner":
        token = (await partner(["bookings:write"]))[1]
    else:
        token = None
    listed = await gql(LIST, {"f": None, "first": 5}, token=token)
    assert listed.errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    called = await gql(
        SCHEDULE, {"input": {"kind": "SPECIAL", "title": "x", "startsAt": _at(LATER)}}, token=token
    )
    assert called.errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await Meeting.all().count() == 1
