"""New staff's online learning through the API (P7.1.4): sessions logged against knowledge-base
procedures add up against `onboarding_online_learning_hours` due within
`onboarding_learning_months`; supervisors list who is behind schedule; a job enrols new staff
and reminds those behind at most once per interval, however often it runs."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from strawberry import relay

from authz import tokens
from domain.clock import clock
from domain.models import AuditEntry, LearningSession, Notification, OnboardingPlan
from domain.policy_params import params
from tests.knowledge.support import LOG, PROGRESS, ok, publish
from workers.jobs import onboarding_learning


async def _tok(who) -> str:
    """A fresh access token: the clock moves past the fixture's."""
    return (await tokens.issue_session(who.account)).access_token


async def _log(gql, who, procedure_id: str, minutes: int, **changes) -> dict:
    values = {"procedureId": procedure_id, "minutes": minutes, **changes}
    reply = await gql(LOG, {"input": values}, token=await _tok(who))
    assert reply.errors == [], reply.body
    return reply.data["logLearning"]


@pytest.mark.policy("P7.1.4")
async def test_learning_adds_up_and_those_behind_are_listed_and_reminded_once(gql, person):
    supervisor, newcomer = await person("supervisor"), await person("cs_rep")
    veteran, leaver = await person("cs_rep"), await person("cs_rep")
    veteran.account.created_at = clock.now() - dt.timedelta(days=400)
    await veteran.account.save()
    procedure = await publish(gql, supervisor.token, title="Complaint intake")
    hours = await params.onboarding_online_learning_hours
    assert hours == 20

    logged = await _log(gql, newcomer, procedure["id"], 90, note="read and quiz")
    assert logged["errors"] == []
    assert logged["session"] == {
        "minutes": 90,
        "studiedOn": clock.today().isoformat(),
        "procedure": {"title": "Complaint intake"},
    }
    progress = logged["progress"]
    assert (progress["requiredHours"], progress["loggedHours"]) == ("20.00", "1.50")
    assert (
        progress["status"] == "ON_TRACK" and progress["person"]["email"] == newcomer.account.email
    )
    assert progress["dueOn"] == "2027-02-28"  # three months of basic learning (P2.6)

    # The job enrols the other new staff, not the veteran, and nobody twice.
    assert await onboarding_learning({}) == {"enrolled": 2, "reminded": 0}
    assert await onboarding_learning({}) == {"enrolled": 0, "reminded": 0}
    enrolled = await OnboardingPlan.all().values_list("account_id", flat=True)
    assert sorted(enrolled) == sorted(
        [supervisor.account.id, newcomer.account.id, leaver.account.id]
    )
    leaver.account.is_active = False  # who leaves is neither listed nor reminded
    await leaver.account.save()

    clock.advance(dt.timedelta(days=46))  # half of the 92 days gone: 10 hours expected
    behind = await gql(PROGRESS, {"f": {"behindOnly": True}}, token=await _tok(supervisor))
    rows = {n["person"]["email"]: n for n in behind.data["learningProgress"]["nodes"]}
    assert set(rows) == {supervisor.account.email, newcomer.account.email}
    assert rows[newcomer.account.email]["status"] == "BEHIND"
    assert rows[newcomer.account.email]["expectedHours"] == "10.00"
    assert rows[newcomer.account.email]["sessions"] == [
        {"minutes": 90, "procedure": {"title": "Complaint intake"}}
    ]
    own = await gql(PROGRESS, token=await _tok(newcomer))
    assert [n["person"]["email"] for n in own.data["learningProgress"]["nodes"]] == [
        newcomer.account.email
    ]

    # Two runs at once, then a rerun: each person is reminded once.
    runs = await asyncio.gather(onboarding_learning({}), onboarding_learning({}))
    assert sum(r["reminded"] for r in runs) == 2
    assert (await onboarding_learning({}))["reminded"] == 0
    reminded = await Notification.filter(kind="LEARNING_BEHIND").values_list(
        "account_id", flat=True
    )
    assert sorted(reminded) == sorted([supervisor.account.id, newcomer.account.id])
    clock.advance(dt.timedelta(days=6))
    assert (await onboarding_learning({}))["reminded"] == 0
    clock.advance(dt.timedelta(days=1))  # the reminder interval has passed
    assert (await onboarding_learning({}))["reminded"] == 2

    # Catching up completes the plan: no longer behind, no more reminders.
    for days_ago, minutes in ((0, 600), (1, 510)):
        day = (clock.today() - dt.timedelta(days=days_ago)).isoformat()
        assert (await _log(gql, newcomer, procedure["id"], minutes, studiedOn=day))["errors"] == []
    plan = await OnboardingPlan.get(account_id=newcomer.account.id)
    assert plan.logged_minutes == 1200 and plan.completed_at is not None
    behind = await gql(PROGRESS, {"f": {"behindOnly": True}}, token=await _tok(supervisor))
    assert [n["person"]["email"] for n in behind.data["learningProgress"]["nodes"]] == [
        supervisor.account.email
    ]
    clock.advance(dt.timedelta(days=8))
    assert (await onboarding_learning({}))["reminded"] == 1  # the supervisor only


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("zero", "minutes", "OUT_OF_RANGE"),
        ("too_long", "minutes", "OUT_OF_RANGE"),
        ("more_than_a_day", "minutes", "OUT_OF_RANGE"),
        ("future", "studiedOn", "OUT_OF_RANGE"),
        ("long_ago", "studiedOn", "OUT_OF_RANGE"),
        ("unknown_procedure", "procedureId", "NOT_FOUND"),
        ("malformed_procedure", "procedureId", "INVALID"),
    ],
)
async def test_bad_learning_logs_are_refused_and_write_nothing(gql, person, case, field, code):
    supervisor, newcomer = await person("supervisor"), await person("cs_rep")
    procedure = await publish(gql, supervisor.token)
    pid, minutes, changes = procedure["id"], 30, {}
    if case == "zero":
        minutes = 0
    elif case == "too_long":
        minutes = 601
    elif case == "more_than_a_day":
        assert (await _log(gql, newcomer, pid, 600))["errors"] == []
        assert (await _log(gql, newcomer, pid, 600))["errors"] == []
        minutes = 241
    elif case == "future":
        changes["studiedOn"] = (clock.today() + dt.timedelta(days=1)).isoformat()
    elif case == "long_ago":
        changes["studiedOn"] = (clock.today() - dt.timedelta(days=32)).isoformat()
    elif case == "unknown_procedure":
        pid = "UHJvY2VkdXJlOjk5"  # Procedure:99
    elif case == "malformed_procedure":
        pid = "Qm9va2luZzox"  # Booking:1
    before = await LearningSession.all().count()
    plan = await OnboardingPlan.get_or_none(account_id=newcomer.account.id)
    answer = await _log(gql, newcomer, pid, minutes, **changes)
    assert answer["session"] is None and answer["progress"] is None
    assert (answer["errors"][0]["field"], answer["errors"][0]["code"]) == (field, code)
    assert await LearningSession.all().count() == before
    after = await OnboardingPlan.get_or_none(account_id=newcomer.account.id)
    assert (after and after.logged_minutes) == (plan and plan.logged_minutes)
    if case != "malformed_procedure":
        rejected = await AuditEntry.filter(action="logLearning", outcome="REJECTED").count()
        assert rejected == 1


@pytest.mark.policy("P6.1.2")
async def test_who_may_log_learning_and_see_progress(gql, person, partner):
    supervisor, hr = await person("supervisor"), await person("hr")
    agent, newcomer = await person("booking_agent"), await person("cs_rep")
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    procedure = await publish(gql, supervisor.token)
    values = {"procedureId": procedure["id"], "minutes": 30}
    for token in (guest.token, secret, None):
        refused = await gql(LOG, {"input": values}, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
        refused = await gql(PROGRESS, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await LearningSession.all().count() == 0
    await ok(gql, LOG, {"input": values}, newcomer.token, "logLearning")
    await onboarding_learning({})
    counts = {}
    for who in (supervisor, hr, agent, newcomer):
        reply = await gql(PROGRESS, token=who.token)
        counts[who.account.email] = reply.data["learningProgress"]["totalCount"]
    everyone = await OnboardingPlan.all().count()  # every new staff member, the partner's admin too
    assert everyone == 5
    assert counts == {
        supervisor.account.email: everyone,
        hr.account.email: everyone,
        agent.account.email: 1,  # their own only
        newcomer.account.email: 1,
    }
    plan = await OnboardingPlan.get(account_id=newcomer.account.id)
    node = """query($id: ID!) { node(id: $id) { ... on LearningProgress { loggedHours } } }"""
    gid = relay.to_base64("LearningProgress", plan.id)
    assert (await gql(node, {"id": gid}, token=agent.token)).data["node"] is None
    assert (await gql(node, {"id": gid}, token=hr.token)).data["node"]["loggedHours"] == "0.50"
