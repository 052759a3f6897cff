"""The first-stay satisfaction follow-up through the API (P3.1.7): a first stay's check-out
brings the guest's survey and a telephone task for the least-loaded representative on duty,
due 24 hours later; a return stay brings nothing; an overdue task is escalated to supervisors
once, even by a sweep killed half-way; the call is completed by its assignee or a supervisor;
the guest answers the survey once, signed in or with the code alone."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from domain import followups, outbox
from domain.models import Account, AuditEntry, FollowUp, Notification, OutboxEvent
from domain.models import SatisfactionSurvey as SurveyRow
from tests.bookings.booking_support import (
    CHECK_IN,
    CHECK_OUT,
    TODAY,
    book,
    make_hotel,
    member_gid,
    new_member,
    pk_of,
)

FOLLOW_UPS = """query($filter: FollowUpFilter, $first: Int) {
  followUps(first: $first, filter: $filter) {
    totalCount
    nodes { id status outcome notes dueAt overdue escalatedAt completedAt
            booking { number } assignee { id displayName } completedBy { id }
            survey { id answered score } }
  }
}"""
COMPLETE = """mutation($input: CompleteFollowUpInput!) { completeFollowUp(input: $input) {
  followUp { id status outcome notes completedBy { id } } errors { field code } } }"""
SUBMIT = """mutation($input: SubmitSatisfactionSurveyInput!) {
  submitSatisfactionSurvey(input: $input) {
    survey { id answered score comments booking { number } } errors { field code } } }"""
SURVEYS = """{ satisfactionSurveys(first: 10) { totalCount
  nodes { id answered score booking { number } } } }"""
SUMMARY = "{ satisfactionSummary { sent answered averageScore byScore } }"

HOUR = dt.timedelta(hours=1)


async def stay(gql, token: str, hotel, **kwargs) -> dict:
    """A one-night stay from today: booked, checked in, checked out (early, the same day)."""
    booking = await book(gql, token, hotel.std, TODAY, 1, **kwargs)
    checked_in = await gql(CHECK_IN, {"id": booking["id"]}, token=token)
    assert checked_in.data["checkInBooking"]["errors"] == [], checked_in.body
    out = await gql(CHECK_OUT, {"id": booking["id"]}, token=token)
    assert out.data["checkOutBooking"]["errors"] == [], out.body
    return booking


async def signed_in(someone) -> str:
    """A fresh access token (the clock moved past the old one's expiry)."""
    from authz import tokens

    return (await tokens.issue_session(someone.account)).access_token


def guest(n: int) -> dict:
    return {
        "fullName": f"Guest {n}",
        "phone": f"+86 138 0000 {n:04d}",
        "email": f"guest{n}@example.com",
    }


async def survey_code(booking_number: str) -> str:
    events = [
        e
        for e in await OutboxEvent.filter(topic="survey.invitation")
        if booking_number in e.payload["subject"]
    ]
    assert len(events) == 1
    return re.search(r"survey code (\S+) ", events[0].payload["body"]).group(1)


@pytest.fixture
async def hotel():
    return await make_hotel()


@pytest.mark.policy("P3.1.7")
async def test_a_first_stay_brings_a_survey_and_a_call_due_in_24_hours_a_return_stay_nothing(
    gql, person, hotel
):
    agent, rep = await person("booking_agent"), await person("cs_rep")
    member = await new_member(name="Zhao Lei")
    first = await stay(gql, agent.token, hotel, guest=None, memberId=member_gid(member))

    row = await FollowUp.get(booking_id=pk_of(first["id"]))
    assert row.guest_key == f"member:{member}"
    assert row.assignee_account_id == rep.account.id and row.status == "OPEN"
    checked_out_at = (await row.booking).checked_out_at
    assert row.due_at == checked_out_at + 24 * HOUR
    survey = await SurveyRow.get(booking_id=row.booking_id)
    assert survey.answered_at is None and survey.member_id == member
    invitation = await OutboxEvent.get(topic="survey.invitation")
    assert invitation.destination == outbox.EMAIL
    assert invitation.payload["to"] == "wang.fang@example.com"
    assert first["number"] in invitation.payload["subject"]
    told = await Notification.get(account_id=rep.account.id, kind="TASK_ASSIGNED")
    assert told.subject_id == str(row.id)

    listed = await gql(FOLLOW_UPS, token=rep.token)
    node = listed.data["followUps"]["nodes"][0]
    assert node["booking"]["number"] == first["number"] and node["status"] == "OPEN"
    assert node["overdue"] is False and node["survey"]["answered"] is False

    # The member's second stay is not a first stay: no task, no survey.
    await stay(gql, agent.token, hotel, guest=None, memberId=member_gid(member))
    assert await FollowUp.all().count() == 1
    assert await SurveyRow.all().count() == 1
    assert await OutboxEvent.filter(topic="survey.invitation").count() == 1


@pytest.mark.policy("P3.1.7")
async def test_a_guest_without_membership_is_known_by_their_e_mail_or_account(gql, person, hotel):
    agent = await person("booking_agent")
    await person("cs_rep")
    await stay(gql, agent.token, hotel, guest=guest(1))
    # The same e-mail on a new temporary profile: the same guest, not a first stay.
    await stay(gql, agent.token, hotel, guest={**guest(1), "fullName": "G. One"})
    assert await FollowUp.all().count() == 1
    # A guest who booked with their own account: known by the account.
    account = await person(kind="GUEST")
    own = await stay_booked_by(gql, account.token, agent.token, hotel, guest(2))
    again = await stay_booked_by(gql, account.token, agent.token, hotel, guest(3))
    keys = {row.booking_id: row.guest_key for row in await FollowUp.all()}
    assert keys[pk_of(own["id"])] == f"account:{account.account.id}"
    assert pk_of(again["id"]) not in keys
    assert await FollowUp.all().count() == 2


async def stay_booked_by(gql, guest_token: str, desk_token: str, hotel, details: dict) -> dict:
    booking = await book(gql, guest_token, hotel.std, TODAY, 1, channel="ONLINE", guest=details)
    for document in (CHECK_IN, CHECK_OUT):
        reply = await gql(document, {"id": booking["id"]}, token=desk_token)
        assert reply.errors == [], reply.body
    return booking


@pytest.mark.policy("P3.1.7")
async def test_the_call_goes_to_the_least_loaded_representative_on_duty(gql, person, hotel):
    agent = await person("booking_agent")
    supervisor = await person("supervisor")
    # Nobody on duty: the task waits unassigned and the supervisors are told.
    await stay(gql, agent.token, hotel, guest=guest(10))
    waiting = await FollowUp.get()
    assert waiting.assignee_account_id is None
    assert (
        await Notification.filter(account_id=supervisor.account.id, kind="TASK_UNASSIGNED").count()
        == 1
    )
    unassigned = await gql(FOLLOW_UPS, {"filter": {"unassigned": True}}, token=supervisor.token)
    assert unassigned.data["followUps"]["totalCount"] == 1

    a, b, c = await person("cs_rep"), await person("cs_rep"), await person("cs_rep")
    off_duty = await person("cs_rep")
    await Account.filter(id=off_duty.account.id).update(is_active=False)
    for n in (11, 12, 13):
        await stay(gql, agent.token, hotel, guest=guest(n))
    assigned = [
        r.assignee_account_id for r in await FollowUp.filter(id__gt=waiting.id).order_by("id")
    ]
    # Equal loads: the lowest id first, so each gets one.
    assert assigned == [a.account.id, b.account.id, c.account.id]
    # b completes their call: b has the least open work now.
    task = await FollowUp.get(assignee_account_id=b.account.id)
    done = await gql(
        COMPLETE, {"input": {"followUpId": _gid(task.id), "outcome": "REACHED"}}, token=b.token
    )
    assert done.data["completeFollowUp"]["errors"] == []
    await stay(gql, agent.token, hotel, guest=guest(14))
    newest = await FollowUp.all().order_by("-id").first()
    assert newest.assignee_account_id == b.account.id
    assert await FollowUp.filter(assignee_account_id=off_duty.account.id).count() == 0


def _gid(pk: int, type_name: str = "FollowUp") -> str:
    from strawberry import relay

    return str(relay.GlobalID(type_name, str(pk)))


@pytest.mark.policy("P3.1.7")
async def test_an_overdue_call_shows_as_overdue_and_is_escalated_once(gql, person, hotel):
    from domain.clock import clock

    agent, rep = await person("booking_agent"), await person("cs_rep")
    supervisor, director = await person("supervisor"), await person("director")
    await stay(gql, agent.token, hotel, guest=guest(20))
    overdue = {"filter": {"overdue": True}}

    clock.advance(23 * HOUR)
    assert await followups.escalate_overdue() == 0
    assert (await gql(FOLLOW_UPS, overdue, token=await signed_in(supervisor))).data["followUps"][
        "totalCount"
    ] == 0

    clock.advance(2 * HOUR)  # 25 hours after check-out
    listed = (await gql(FOLLOW_UPS, overdue, token=await signed_in(supervisor))).data["followUps"]
    assert listed["totalCount"] == 1 and listed["nodes"][0]["overdue"] is True
    not_overdue = {"filter": {"overdue": False}}
    assert (await gql(FOLLOW_UPS, not_overdue, token=await signed_in(rep))).data["followUps"][
        "totalCount"
    ] == 0

    from workers.jobs import escalate_follow_ups

    assert await escalate_follow_ups({}) == 1
    assert await escalate_follow_ups({}) == 0  # idempotent: nobody is told twice
    for boss in (supervisor, director):
        assert (
            await Notification.filter(account_id=boss.account.id, kind="FOLLOW_UP_OVERDUE").count()
            == 1
        )
    mails = await OutboxEvent.filter(topic="follow_up.overdue")
    assert sorted(m.payload["to"] for m in mails) == sorted(
        [supervisor.account.email, director.account.email]
    )
    node = (await gql(FOLLOW_UPS, overdue, token=await signed_in(supervisor))).data["followUps"][
        "nodes"
    ][0]
    assert node["escalatedAt"] is not None

    # Completed late: no longer overdue.
    task = await FollowUp.get()
    reply = await gql(
        COMPLETE,
        {"input": {"followUpId": _gid(task.id), "outcome": "REACHED", "notes": "happy"}},
        token=await signed_in(rep),
    )
    assert reply.data["completeFollowUp"]["errors"] == []
    assert (await gql(FOLLOW_UPS, overdue, token=await signed_in(supervisor))).data["followUps"][
        "totalCount"
    ] == 0


class Killed(Exception):
    pass


@pytest.mark.policy("P3.1.7")
async def test_an_escalation_sweep_killed_half_way_tells_nobody_twice_and_misses_nobody(
    gql, person, hotel
):
    from domain.clock import clock

    agent = await person("booking_agent")
    await person("cs_rep")
    supervisor = await person("supervisor")
    for n in (30, 31, 32):
        await stay(gql, agent.token, hotel, guest=guest(n))
    clock.advance(25 * HOUR)

    async def die(row):
        raise Killed

    with pytest.raises(Killed):
        await followups.escalate_overdue(batch_size=2, after_each=die)
    assert await FollowUp.filter(escalated_at__isnull=False).count() == 1
    assert await followups.escalate_overdue(batch_size=2) == 2
    assert await followups.escalate_overdue(batch_size=2) == 0
    told = await Notification.filter(account_id=supervisor.account.id, kind="FOLLOW_UP_OVERDUE")
    assert sorted(int(n.subject_id) for n in told) == [
        r.id for r in await FollowUp.all().order_by("id")
    ]
    assert await OutboxEvent.filter(topic="follow_up.overdue").count() == 3


async def test_completing_a_call_by_the_assignee_or_a_supervisor_once(gql, person, hotel):
    agent = await person("booking_agent")
    rep, other = await person("cs_rep"), await person("cs_rep")
    supervisor = await person("supervisor")
    await stay(gql, agent.token, hotel, guest=guest(40))
    await stay(gql, agent.token, hotel, guest=guest(41))
    mine = await FollowUp.get(assignee_account_id=rep.account.id)
    theirs = await FollowUp.get(assignee_account_id=other.account.id)

    def given(task, outcome="REACHED", notes=None):
        return {"input": {"followUpId": _gid(task.id), "outcome": outcome, "notes": notes}}

    refused = await gql(COMPLETE, given(theirs), token=rep.token)
    assert refused.data["completeFollowUp"]["errors"] == [
        {"field": "followUpId", "code": "FORBIDDEN"}
    ]
    silent = await gql(COMPLETE, given(mine, "NO_ANSWER"), token=rep.token)
    assert silent.data["completeFollowUp"]["errors"] == [{"field": "notes", "code": "REQUIRED"}]
    bad_id = await gql(
        COMPLETE, {"input": {"followUpId": "nonsense", "outcome": "REACHED"}}, token=rep.token
    )
    assert bad_id.data["completeFollowUp"]["errors"][0]["code"] == "INVALID"
    assert await FollowUp.filter(status="DONE").count() == 0

    done = await gql(
        COMPLETE, given(mine, "NO_ANSWER", "voicemail, will try again"), token=rep.token
    )
    payload = done.data["completeFollowUp"]
    assert payload["errors"] == [] and payload["followUp"]["status"] == "DONE"
    assert payload["followUp"]["outcome"] == "NO_ANSWER"
    again = await gql(COMPLETE, given(mine), token=rep.token)
    assert again.data["completeFollowUp"]["errors"] == [
        {"field": "followUpId", "code": "INVALID_TRANSITION"}
    ]
    row = await FollowUp.get(id=mine.id)
    assert (row.outcome, row.completed_by_account_id) == ("NO_ANSWER", rep.account.id)

    taken_over = await gql(
        COMPLETE, given(theirs, "DECLINED", "guest did not want to talk"), token=supervisor.token
    )
    assert taken_over.data["completeFollowUp"]["errors"] == []
    assert (await FollowUp.get(id=theirs.id)).completed_by_account_id == supervisor.account.id
    assert await AuditEntry.filter(action="completeFollowUp", outcome="SUCCESS").count() == 2


@pytest.mark.policy("P3.1.7")
async def test_the_guest_answers_the_survey_once_with_the_code_or_signed_in(gql, person, hotel):
    agent = await person("booking_agent")
    await person("cs_rep")
    by_code = await stay(gql, agent.token, hotel, guest=guest(50))
    code = await survey_code(by_code["number"])

    out_of_range = await gql(SUBMIT, {"input": {"surveyToken": code, "score": 6}})
    assert out_of_range.data["submitSatisfactionSurvey"]["errors"] == [
        {"field": "score", "code": "OUT_OF_RANGE"}
    ]
    zero = await gql(SUBMIT, {"input": {"surveyToken": code, "score": 0}})
    assert zero.data["submitSatisfactionSurvey"]["errors"][0]["code"] == "OUT_OF_RANGE"
    wrong = await gql(SUBMIT, {"input": {"surveyToken": "not-a-code", "score": 4}})
    assert wrong.data["submitSatisfactionSurvey"]["errors"][0]["code"] == "LINK_INVALID"
    assert await SurveyRow.filter(answered_at__isnull=False).count() == 0

    answered = await gql(
        SUBMIT,
        {"input": {"surveyToken": code, "score": 4, "comments": "Quiet room, slow breakfast."}},
    )
    payload = answered.data["submitSatisfactionSurvey"]
    assert payload["errors"] == []
    # A code alone shows the answer, not the booking behind it.
    assert payload["survey"] == {
        "id": payload["survey"]["id"],
        "answered": True,
        "score": 4,
        "comments": "Quiet room, slow breakfast.",
        "booking": None,
    }
    twice = await gql(SUBMIT, {"input": {"surveyToken": code, "score": 1}})
    assert twice.data["submitSatisfactionSurvey"]["errors"] == [
        {"field": "surveyId", "code": "ALREADY_ANSWERED"}
    ]
    row = await SurveyRow.get(booking_id=pk_of(by_code["id"]))
    assert (row.score, row.answered_via) == (4, "LINK")

    # A member guest sees their own survey when signed in and answers it by its id.
    member = await new_member(name="Sun Li")
    me = await person(kind="GUEST", member_id=member)
    stranger = await person(kind="GUEST")
    mine = await stay(gql, agent.token, hotel, guest=None, memberId=member_gid(member))
    listed = (await gql(SURVEYS, token=me.token)).data["satisfactionSurveys"]
    assert listed["totalCount"] == 1
    survey = listed["nodes"][0]
    assert survey["booking"]["number"] == mine["number"] and survey["answered"] is False
    assert (await gql(SURVEYS, token=stranger.token)).data["satisfactionSurveys"]["totalCount"] == 0
    not_theirs = await gql(
        SUBMIT, {"input": {"surveyId": survey["id"], "score": 1}}, token=stranger.token
    )
    assert not_theirs.data["submitSatisfactionSurvey"]["errors"][0]["code"] == "NOT_FOUND"
    without_code = await gql(SUBMIT, {"input": {"surveyId": survey["id"], "score": 1}})
    assert without_code.data["submitSatisfactionSurvey"]["errors"][0]["field"] == "surveyToken"
    ok = await gql(SUBMIT, {"input": {"surveyId": survey["id"], "score": 5}}, token=me.token)
    assert ok.data["submitSatisfactionSurvey"]["errors"] == []
    assert ok.data["submitSatisfactionSurvey"]["survey"]["booking"]["number"] == mine["number"]
    again = await gql(SUBMIT, {"input": {"surveyId": survey["id"], "score": 5}}, token=me.token)
    assert again.data["submitSatisfactionSurvey"]["errors"][0]["code"] == "ALREADY_ANSWERED"

    analyst = await person("data_analyst")
    summary = (await gql(SUMMARY, token=analyst.token)).data["satisfactionSummary"]
    assert summary == {"sent": 2, "answered": 2, "averageScore": "4.50", "byScore": [0, 0, 0, 1, 1]}


async def test_a_survey_code_expires(gql, person, hotel):
    from domain.clock import clock

    agent = await person("booking_agent")
    booking = await stay(gql, agent.token, hotel, guest=guest(60))
    code = await survey_code(booking["number"])
    clock.advance(dt.timedelta(days=31))
    late = await gql(SUBMIT, {"input": {"surveyToken": code, "score": 3}})
    assert late.data["submitSatisfactionSurvey"]["errors"][0]["code"] == "LINK_EXPIRED"


@pytest.mark.parametrize("role", ["booking_agent", "data_analyst", "finance", "guest"])
async def test_follow_ups_are_refused_to_other_roles(gql, person, role):
    someone = await (person(kind="GUEST") if role == "guest" else person(role))
    assert (await gql(FOLLOW_UPS, token=someone.token)).error_codes == ["FORBIDDEN"]
    reply = await gql(
        COMPLETE, {"input": {"followUpId": _gid(1), "outcome": "REACHED"}}, token=someone.token
    )
    assert reply.error_codes == ["FORBIDDEN"]


async def test_anonymous_callers_and_partners_see_no_follow_ups_or_surveys(gql, partner):
    assert (await gql(FOLLOW_UPS)).error_codes == ["UNAUTHENTICATED"]
    assert (await gql(SURVEYS)).error_codes == ["UNAUTHENTICATED"]
    assert (await gql(SUMMARY)).error_codes == ["UNAUTHENTICATED"]
    _, secret = await partner(["bookings:write", "bookings:read"])
    for document in (FOLLOW_UPS, SURVEYS, SUMMARY):
        assert (await gql(document, token=secret)).error_codes == ["FORBIDDEN"]
    answer = await gql(SUBMIT, {"input": {"surveyToken": "x", "score": 3}}, token=secret)
    assert answer.error_codes == ["FORBIDDEN"]


async def test_analysts_see_satisfaction_only_in_aggregate(gql, person):
    analyst = await person("data_analyst")
    assert (await gql(SURVEYS, token=analyst.token)).error_codes == ["FORBIDDEN"]
    summary = await gql(SUMMARY, token=analyst.token)
    assert summary.data["satisfactionSummary"] == {
        "sent": 0,
        "answered": 0,
        "averageScore": None,
        "byScore": [0, 0, 0, 0, 0],
    }
    rep = await person("cs_rep")
    assert (await gql(SUMMARY, token=rep.token)).error_codes == ["FORBIDDEN"]
