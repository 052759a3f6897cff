"""The monthly anonymous staff survey through the API: one answer per person, nothing stored,
audited or logged links an answer to its author, answers released in batches, problems ranked
and the top ones given workshops with owners (P8.1, P8.2)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import pytest
from tortoise import Tortoise

from authz import tokens
from domain.clock import clock
from domain.models import (
    AuditEntry,
    EmployeeSurvey,
    Meeting,
    MeetingParticipant,
    SurveyBallot,
    SurveyProblemMention,
    SurveyResponse,
    SurveyResponsePool,
    Workshop,
)
from tests.concurrency import assert_ran_concurrently, watching_transactions
from workers.jobs import improvement_survey

SURVEY = """{ employeeSurvey { month answered questions { key kind choices } } }"""
ANSWER = """mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) {
  accepted errors { field code } } }"""
RESULTS = """query($m: String) { surveyResults(month: $m) { month closed releasedAnswers shown
  ranking { problemType mentions rank }
  comments(first: 10) { totalCount edges { node { comment } } } } }"""
WORKSHOPS = """{ workshops(first: 10) { totalCount edges { node { id problemType rank mentions
  status dueOn month owner { email } } } } }"""
ASSIGN = """mutation($input: AssignWorkshopInput!) { assignWorkshop(input: $input) {
  workshop { status dueOn owner { email } } errors { field code } } }"""
SCHEDULE = """mutation($input: ScheduleWorkshopInput!) { scheduleWorkshop(input: $input) {
  workshop { status meeting { kind startsAt } } errors { field code } } }"""
SECRET = "SECRET-42 the night printer jams every shift"


@pytest.fixture(autouse=True)
def december():
    clock.freeze(dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC))
    yield
    clock.reset()


async def _tok(who) -> str:
    return (await tokens.issue_session(who.account)).access_token


async def _answer(gql, who, problems, comment="", *, fresh=True):
    reply = await gql(
        ANSWER,
        {"input": {"problemTypes": problems, "comment": comment}},
        token=await _tok(who) if fresh else who.token,
    )
    return reply


async def _every_row() -> dict[str, list[dict]]:
    """Every row of every table, as the ORM reads it."""
    rows = {}
    for model in Tortoise.apps["models"].values():
        rows[model._meta.db_table] = await model.all().values()
    return rows


def _mentions(value: object, needle: str) -> bool:
    return needle in json.dumps(value, default=str)


@pytest.mark.policy("P8.1")
async def test_nothing_stored_audited_or_logged_links_an_answer_to_its_author(gql, person, caplog):
    # Every logger at DEBUG except the database drivers, which log each statement with its
    # values at DEBUG and are held at WARNING in production (server.logs.configure).
    caplog.set_level(logging.DEBUG)
    for driver in ("tortoise", "aiosqlite"):
        caplog.set_level(logging.WARNING, logger=driver)
    others = [await person("cs_rep") for _ in range(5)]
    for who in others[:2]:
        assert (await _answer(gql, who, ["WORKLOAD"], "too many late shifts")).data[
            "submitSurveyResponse"
        ]["accepted"]
    author = await person("booking_agent")
    before = {t: len(r) for t, r in (await _every_row()).items()}
    audit_before = await AuditEntry.all().count()

    reply = await _answer(gql, author, ["FACILITIES", "TRAINING"], SECRET, fresh=False)
    assert reply.data["submitSurveyResponse"] == {"accepted": True, "errors": []}
    request_id = reply.headers["x-request-id"]
    # Answering wrote only the ballot, the pool's update and the audit entry: no notification,
    # outbox event or anything else.
    right_after = {t: len(r) for t, r in (await _every_row()).items()}
    grew = {t for t in right_after if right_after[t] > before.get(t, 0)}
    assert grew == {"survey_ballot", "audit_entry"}
    for who in others[2:]:
        await _answer(gql, who, ["COMMUNICATION"])

    # The answer's words are in the pool and nowhere else; the pool row holds nothing but the
    # survey and answers without author, time or request.
    tables = await _every_row()
    holding = {t for t, rows in tables.items() if _mentions(rows, "SECRET-42")}
    assert holding == {"survey_response_pool"}
    (pool,) = tables["survey_response_pool"]
    assert set(pool) == {"id", "survey_id", "entries"}
    assert all(set(entry) == {"problemTypes", "comment"} for entry in pool["entries"])
    assert len(pool["entries"]) == 6
    # The author's traces say only that a ballot was used.
    ballot = await SurveyBallot.get(account_id=author.account.id).values()
    assert set(ballot) == {"id", "survey_id", "account_id"}
    entries = await AuditEntry.filter(request_id=request_id).values()
    assert [(e["action"], e["subject_type"]) for e in entries] == [
        ("submitSurveyResponse", "EmployeeSurvey")
    ]
    survey = await EmployeeSurvey.get()
    assert entries[0]["subject_id"] == str(survey.id)
    assert await AuditEntry.all().count() == audit_before + 1 + 3
    assert not _mentions(await AuditEntry.all().values(), "SECRET-42")
    assert not _mentions(await AuditEntry.all().values(), "FACILITIES")
    # Nothing logged carries the answer.
    for record in caplog.records:
        assert not _mentions(vars(record), "SECRET-42"), record
        assert not _mentions(vars(record), "FACILITIES"), record

    # Released: shuffled answers with no author, time or request; the ballot names none.
    assert (await improvement_survey({}))["released"] == 6
    tables = await _every_row()
    holding = {t for t, rows in tables.items() if _mentions(rows, "SECRET-42")}
    assert holding == {"survey_response"}
    assert set(tables["survey_response"][0]) == {"id", "survey_id", "comment"}
    assert set(tables["survey_problem_mention"][0]) == {
        "id",
        "survey_id",
        "response_id",
        "problem_type",
    }
    assert tables["survey_response_pool"][0]["entries"] == []
    assert not _mentions(tables["survey_ballot"], "response")
    (entry,) = await AuditEntry.filter(request_id=request_id).values()
    assert (entry["subject_type"], entry["subject_id"], entry["detail"]) == (
        "EmployeeSurvey",
        str(survey.id),
        "",
    )


@pytest.mark.policy("P8.1")
async def test_one_answer_per_person_and_bad_answers_write_nothing(gql, person):
    agent = await person("booking_agent")
    first = await _answer(gql, agent, ["WORKLOAD"])
    assert first.data["submitSurveyResponse"]["accepted"]
    again = await _answer(gql, agent, ["TRAINING"], "second try")
    assert again.data["submitSurveyResponse"] == {
        "accepted": False,
        "errors": [{"field": "surveyId", "code": "DUPLICATE"}],
    }
    assert await SurveyBallot.all().count() == 1
    assert len((await SurveyResponsePool.get()).entries) == 1
    shown = await gql(SURVEY, token=await _tok(agent))
    assert shown.data["employeeSurvey"]["answered"] is True
    assert shown.data["employeeSurvey"]["month"] == "2026-12"

    colleague = await person("finance")
    for problems, code in (
        ([], "REQUIRED"),
        (["WORKLOAD", "TRAINING", "OTHER", "FACILITIES"], "OUT_OF_RANGE"),
    ):
        refused = await _answer(gql, colleague, problems)
        assert refused.data["submitSurveyResponse"]["errors"][0]["code"] == code
    too_long = await _answer(gql, colleague, ["OTHER"], "x" * 2001)
    assert too_long.data["submitSurveyResponse"]["errors"][0]["code"] == "TOO_LONG"
    assert await SurveyBallot.all().count() == 1
    assert len((await SurveyResponsePool.get()).entries) == 1
    fresh = await gql(SURVEY, token=await _tok(colleague))
    assert fresh.data["employeeSurvey"]["answered"] is False
    assert fresh.data["employeeSurvey"]["questions"][0]["choices"][0] == "BOOKING_TOOLS"


@pytest.mark.policy("P8.1")
@pytest.mark.policy("P8.2")
async def test_answers_are_released_in_batches_ranked_and_the_top_problems_get_workshops(
    gql, person
):
    director, supervisor = await person("director"), await person("supervisor")
    staff = [await person("cs_rep") for _ in range(6)]
    choices = [
        ["WORKLOAD", "TRAINING"],
        ["WORKLOAD"],
        ["WORKLOAD", "FACILITIES"],
        ["TRAINING", "COMMUNICATION"],
    ]
    for who, problems in zip(staff, choices, strict=False):
        await _answer(gql, who, problems, "more hands please" if "WORKLOAD" in problems else "")
    assert (await improvement_survey({}))["released"] == 0  # fewer than a batch
    waiting = (await gql(RESULTS, token=await _tok(director))).data["surveyResults"]
    assert (waiting["releasedAnswers"], waiting["shown"], waiting["ranking"]) == (0, False, [])

    await _answer(gql, staff[4], ["FACILITIES", "BOOKING_TOOLS"])
    assert (await improvement_survey({}))["released"] == 5
    assert (await improvement_survey({}))["released"] == 0  # a rerun releases nothing twice
    results = (await gql(RESULTS, token=await _tok(director))).data["surveyResults"]
    assert results["shown"] and results["releasedAnswers"] == 5
    assert results["ranking"] == [
        {"problemType": "WORKLOAD", "mentions": 3, "rank": 1},
        {"problemType": "FACILITIES", "mentions": 2, "rank": 2},
        {"problemType": "TRAINING", "mentions": 2, "rank": 2},
        {"problemType": "BOOKING_TOOLS", "mentions": 1, "rank": 4},
        {"problemType": "COMMUNICATION", "mentions": 1, "rank": 4},
    ]
    assert results["comments"]["totalCount"] == 3
    assert await SurveyProblemMention.all().count() == 9

    # A late answer waits in the pool; the month ends; the job releases it, closes the survey
    # and opens the workshops of the top three problems, once.
    await _answer(gql, staff[5], ["WORKLOAD"])
    clock.freeze(dt.datetime(2027, 1, 2, 2, 0, tzinfo=dt.UTC))
    swept = await improvement_survey({})
    assert swept == {"released": 1, "workshopsOpened": 3}
    assert await improvement_survey({}) == {"released": 0, "workshopsOpened": 0}
    assert await SurveyResponse.all().count() == 6
    december = await EmployeeSurvey.get(month="2026-12")
    assert december.closed
    assert await EmployeeSurvey.filter(month="2027-01").exists()
    late = await _answer(gql, staff[0], ["OTHER"])
    assert late.data["submitSurveyResponse"]["accepted"]  # January's ballot, not December's

    listed = (await gql(WORKSHOPS, token=await _tok(supervisor))).data["workshops"]
    assert listed["totalCount"] == 3
    assert {e["node"]["problemType"] for e in listed["edges"]} == {
        "WORKLOAD",
        "FACILITIES",
        "TRAINING",
    }
    assert {e["node"]["month"] for e in listed["edges"]} == {"2026-12"}
    workshop = next(e["node"] for e in listed["edges"] if e["node"]["problemType"] == "WORKLOAD")
    owner = staff[1]
    assigned = await gql(
        ASSIGN,
        {
            "input": {
                "workshopId": workshop["id"],
                "ownerEmail": owner.account.email,
                "dueOn": "2027-01-20",
            }
        },
        token=await _tok(supervisor),
    )
    assert assigned.data["assignWorkshop"]["errors"] == []
    assert assigned.data["assignWorkshop"]["workshop"] == {
        "status": "ASSIGNED",
        "dueOn": "2027-01-20",
        "owner": {"email": owner.account.email},
    }
    past = await gql(
        ASSIGN,
        {
            "input": {
                "workshopId": workshop["id"],
                "ownerEmail": owner.account.email,
                "dueOn": "2026-12-20",
            }
        },
        token=await _tok(director),
    )
    assert past.data["assignWorkshop"]["errors"][0]["code"] == "OUT_OF_RANGE"
    row = await Workshop.get(problem_type="WORKLOAD")
    assert (row.owner_account_id, row.due_on) == (owner.account.id, dt.date(2027, 1, 20))

    # Called as a special meeting through the meetings area, with its notice rule.
    unowned = next(e["node"] for e in listed["edges"] if e["node"]["problemType"] == "TRAINING")
    early = await gql(
        SCHEDULE,
        {"input": {"workshopId": unowned["id"], "startsAt": "2027-01-10T02:00:00+00:00"}},
        token=await _tok(supervisor),
    )
    assert early.data["scheduleWorkshop"]["errors"][0]["code"] == "INVALID_TRANSITION"
    short = await gql(
        SCHEDULE,
        {"input": {"workshopId": workshop["id"], "startsAt": "2027-01-02T03:00:00+00:00"}},
        token=await _tok(supervisor),
    )
    assert short.data["scheduleWorkshop"]["errors"][0]["code"] == "NOTICE_TOO_SHORT"
    assert await Meeting.all().count() == 0
    called = await gql(
        SCHEDULE,
        {
            "input": {
                "workshopId": workshop["id"],
                "startsAt": "2027-01-10T02:00:00+00:00",
                "participantEmails": [staff[3].account.email],
                "location": "Room 2",
            }
        },
        token=await _tok(supervisor),
    )
    assert called.data["scheduleWorkshop"]["errors"] == []
    shown = called.data["scheduleWorkshop"]["workshop"]
    assert shown["status"] == "SCHEDULED"
    assert shown["meeting"]["kind"] == "SPECIAL"
    meeting = await Meeting.get()
    seated = set(
        await MeetingParticipant.filter(meeting_id=meeting.id).values_list("account_id", flat=True)
    )
    assert {owner.account.id, staff[3].account.id} <= seated
    twice = await gql(
        SCHEDULE,
        {"input": {"workshopId": workshop["id"], "startsAt": "2027-01-11T02:00:00+00:00"}},
        token=await _tok(supervisor),
    )
    assert twice.data["scheduleWorkshop"]["errors"][0]["code"] == "ALREADY_DECIDED"
    assert await Meeting.all().count() == 1
    refused = await gql(
        ASSIGN,
        {
            "input": {
                "workshopId": workshop["id"],
                "ownerEmail": owner.account.email,
                "dueOn": "2027-01-25",
            }
        },
        token=await _tok(staff[2]),
    )
    assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_results_are_for_management_and_hr_and_the_survey_for_staff_only(
    gql, person, partner
):
    for role in ("director", "supervisor", "committee", "hr"):
        reply = await gql(RESULTS, token=await _tok(await person(role)))
        assert reply.errors is None or reply.errors == [], role
    for role in ("booking_agent", "finance"):
        refused = await gql(RESULTS, token=await _tok(await person(role)))
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
        refused = await gql(WORKSHOPS, token=await _tok(await person(role)))
        assert refused.errors[0]["extensions"]["code"] == "FORBIDDEN"
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    for token in (await _tok(guest), secret, None):
        for document in (SURVEY, RESULTS):
            refused = await gql(document, token=token)
            assert refused.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
        answer = await gql(ANSWER, {"input": {"problemTypes": ["OTHER"]}}, token=token)
        assert answer.errors[0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}
    assert await SurveyBallot.all().count() == 0


@pytest.mark.policy("P8.1")
async def test_answers_sent_at_once_are_all_kept_and_a_double_answer_counts_once(gql, person):
    """SQLite serialises the transactions; the PostgreSQL run contends for the pool row (a lost
    update would drop answers) and for the ballot (two answers of one person)."""
    staff = [await person("cs_rep") for _ in range(8)]
    await gql(SURVEY, token=staff[0].token)  # the month's survey exists before the rush
    sends = [_answer(gql, who, ["WORKLOAD"], fresh=False) for who in staff]
    sends += [_answer(gql, staff[0], ["OTHER"], fresh=False)]
    with watching_transactions() as overlap:
        replies = await asyncio.gather(*sends)
    assert_ran_concurrently(overlap)
    accepted = [r.data["submitSurveyResponse"]["accepted"] for r in replies]
    assert accepted.count(True) == 8
    codes = [e["code"] for r in replies for e in r.data["submitSurveyResponse"]["errors"]]
    assert codes == ["DUPLICATE"]
    assert await SurveyBallot.all().count() == 8
    assert len((await SurveyResponsePool.get()).entries) == 8


@pytest.mark.policy("P8.1")
async def test_a_release_killed_halfway_is_rolled_back_and_redone_whole(gql, person, monkeypatch):
    staff = [await person("cs_rep") for _ in range(5)]
    for n, who in enumerate(staff):
        await _answer(gql, who, ["WORKLOAD"], f"note {n}", fresh=False)
    real_create = SurveyResponse.create
    made = []

    async def dying(*args, **kwargs):
        if len(made) == 3:
            raise RuntimeError("worker killed")
        made.append(1)
        return await real_create(*args, **kwargs)

    monkeypatch.setattr(SurveyResponse, "create", dying)
    with pytest.raises(RuntimeError):
        await improvement_survey({})
    assert await SurveyResponse.all().count() == 0
    assert len((await SurveyResponsePool.get()).entries) == 5
    monkeypatch.setattr(SurveyResponse, "create", real_create)
    assert (await improvement_survey({}))["released"] == 5
    assert (await improvement_survey({}))["released"] == 0
    comments = sorted(await SurveyResponse.all().values_list("comment", flat=True))
    assert comments == [f"note {n}" for n in range(5)]
