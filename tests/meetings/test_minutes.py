"""Minutes, resolutions and their follow-through through the API: minutes only after the
meeting, drafts then one final version archived as tier 3 documents, the draft and final
deadlines flagged and escalated, resolutions with owners and deadlines, electronic sign-off by
the people responsible, and overdue action items carried to the owner's next meeting
(P3.2.6, P4.2.4, P4.2.5)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import (
    ActionItem,
    AuditEntry,
    Document,
    Meeting,
    MinutesVersion,
    Notification,
    Resolution,
)
from domain.policy_params import params
from tests.conftest import fresh_archive
from workers.jobs import meeting_deadlines

SCHEDULE = """mutation($input: ScheduleMeetingInput!) { scheduleMeeting(input: $input) {
  meeting { id endsAt minutesDraftDueAt minutesFinalDueAt } errors { field code } } }"""
SUBMIT = """mutation($input: SubmitMinutesInput!) { submitMinutes(input: $input) {
  minutes { version isFinal documentId submittedBy { email } }
  meeting { minutesFinalAt resolutions { id number text actionItems { id owner { email }
            important dueAt status } } }
  errors { field code message } } }"""
SET_KEY = """mutation { setSigningKey(input: {passphrase: "a long sign-off passphrase"}) {
  errors { code } } }"""
SIGN = """mutation($id: ID!, $p: String!) { signOffResolution(input: {resolutionId: $id,
  passphrase: $p}) { resolution { signOffs { signer { email } valid } } errors { field code } } }"""
COMPLETE = """mutation($id: ID!) { completeActionItem(input: {actionItemId: $id, note: "done"}) {
  actionItem { status overdue } errors { code } } }"""
ITEMS = """query($f: ActionItemFilter) { actionItems(first: 20, filter: $f) { totalCount
  edges { node { id description overdue owner { email } carriedTo { id } } } } }"""
MEETING = """query($id: ID!) { node(id: $id) { ... on Meeting { agenda
  carriedActionItems { description } minutes { version isFinal } } } }"""

# Monday 2026-11-30 10:00 in the hotel (02:00 UTC); the suite's clock stands at Saturday 28th.
MONDAY = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)


async def _tok(who) -> str:
    """A token issued now: these tests move the clock past the life of the first one."""
    return (await tokens.issue_session(who.account)).access_token


@pytest.fixture(autouse=True)
def archive(tmp_path):
    with fresh_archive(tmp_path) as fresh:
        yield fresh


async def _special(gql, caller, attendees, starts=MONDAY):
    reply = await gql(
        SCHEDULE,
        {
            "input": {
                "kind": "SPECIAL",
                "title": "Service recovery review",
                "startsAt": starts.isoformat(),
                "participantEmails": [a.account.email for a in attendees],
                "durationMinutes": 60,
            }
        },
        token=await _tok(caller),
    )
    assert reply.data["scheduleMeeting"]["errors"] == []
    return reply.data["scheduleMeeting"]["meeting"]


async def _submit(gql, who, meeting_id, text="Discussed complaints.", final=False, resolutions=()):
    reply = await gql(
        SUBMIT,
        {
            "input": {
                "meetingId": meeting_id,
                "text": text,
                "final": final,
                "resolutions": list(resolutions),
            }
        },
        token=await _tok(who),
    )
    assert not reply.errors, reply.errors
    return reply.data["submitMinutes"]


@pytest.mark.policy("P3.2.6")
async def test_minutes_deadlines_follow_the_meeting_and_the_working_week(gql, person):
    supervisor, agent = await person("supervisor"), await person("booking_agent")
    meeting = await _special(gql, supervisor, [agent])
    ends = dt.datetime.fromisoformat(meeting["endsAt"])
    draft_due = dt.datetime.fromisoformat(meeting["minutesDraftDueAt"])
    assert draft_due - ends == dt.timedelta(hours=await params.minutes_draft_hours)
    # Monday's meeting: final minutes by the end of Tuesday, hotel time (16:00 UTC).
    assert meeting["minutesFinalDueAt"] == "2026-12-01T16:00:00+00:00"

    friday = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)
    on_friday = await _special(gql, supervisor, [agent], starts=friday)
    # Friday's meeting: the next working day is Monday.
    assert on_friday["minutesFinalDueAt"] == "2026-12-07T16:00:00+00:00"


@pytest.mark.policy("P3.2.6")
async def test_minutes_wait_for_the_meeting_then_drafts_and_one_final_version_are_archived(
    gql, person
):
    supervisor, agent, outsider = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("cs_rep"),
    )
    meeting = await _special(gql, supervisor, [agent])
    early = await _submit(gql, agent, meeting["id"])
    assert early["errors"][0]["code"] == "INVALID_TRANSITION"
    clock.freeze(MONDAY + dt.timedelta(hours=2))
    stranger = await _submit(gql, outsider, meeting["id"])
    assert stranger["errors"][0]["code"] == "NOT_FOUND"
    assert await MinutesVersion.all().count() == 0 and await Document.all().count() == 0

    draft = await _submit(gql, agent, meeting["id"])
    assert draft["errors"] == []
    assert draft["minutes"]["version"] == 1 and not draft["minutes"]["isFinal"]
    assert draft["minutes"]["submittedBy"]["email"] == agent.account.email
    final = await _submit(gql, supervisor, meeting["id"], text="Final text.", final=True)
    assert final["minutes"]["version"] == 2 and final["minutes"]["isFinal"]
    again = await _submit(gql, supervisor, meeting["id"], final=True)
    assert again["errors"][0]["code"] == "ALREADY_DECIDED"

    documents = await Document.all().order_by("id")
    assert [(d.kind, d.tier, d.related_subject_type) for d in documents] == [
        ("MINUTES", 3, "Meeting"),
        ("MINUTES", 3, "Meeting"),
    ]
    row = await Meeting.get()
    assert row.minutes_draft_at is not None and row.minutes_final_at is not None


@pytest.mark.policy("P3.2.6")
async def test_late_minutes_are_flagged_and_escalated_once(gql, person):
    supervisor, agent, director = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("director"),
    )
    await _special(gql, supervisor, [agent])
    row = await Meeting.get()
    clock.freeze(row.minutes_draft_due_at + dt.timedelta(minutes=1))
    results = await asyncio.gather(meeting_deadlines({}), meeting_deadlines({}))
    assert sum(r["draftOverdue"] for r in results) == 1
    told = await Notification.filter(kind="MINUTES_OVERDUE").values_list("account_id", flat=True)
    assert sorted(told) == sorted([supervisor.account.id, director.account.id])
    clock.freeze(row.minutes_final_due_at + dt.timedelta(minutes=1))
    assert (await meeting_deadlines({}))["finalOverdue"] == 1
    assert (await meeting_deadlines({}))["finalOverdue"] == 0
    assert await Notification.filter(kind="MINUTES_OVERDUE").count() == 4


async def _resolved(gql, supervisor, agent, cs):
    meeting = await _special(gql, supervisor, [agent, cs])
    clock.freeze(MONDAY + dt.timedelta(hours=2))
    due = (clock.now() + dt.timedelta(days=3)).isoformat()
    done = await _submit(
        gql,
        supervisor,
        meeting["id"],
        final=True,
        resolutions=[
            {
                "text": "Call back every guest who complained this month.",
                "actionItems": [
                    {
                        "description": "Call list",
                        "ownerEmail": agent.account.email,
                        "important": True,
                    },
                    {"description": "Scripts", "ownerEmail": cs.account.email, "dueAt": due},
                ],
            }
        ],
    )
    assert done["errors"] == [], done["errors"]
    return meeting, done["meeting"]["resolutions"][0]


@pytest.mark.policy("P4.2.4")
async def test_resolutions_give_each_item_an_owner_and_important_ones_the_policy_deadline(
    gql, person
):
    supervisor, agent, cs = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("cs_rep"),
    )
    _, resolution = await _resolved(gql, supervisor, agent, cs)
    items = {i["owner"]["email"]: i for i in resolution["actionItems"]}
    hours = await params.resolution_deadline_hours
    important = dt.datetime.fromisoformat(items[agent.account.email]["dueAt"])
    assert important == clock.now() + dt.timedelta(hours=hours)
    assert items[cs.account.email]["important"] is False
    assert await Notification.filter(kind="ACTION_ITEM_ASSIGNED").count() == 2


@pytest.mark.parametrize(
    ("resolution", "field", "code"),
    [
        ({"text": "x", "actionItems": []}, "actionItems", "REQUIRED"),
        (
            {
                "text": " ",
                "actionItems": [{"description": "a", "ownerEmail": "OWNER", "important": True}],
            },
            "resolutions",
            "REQUIRED",
        ),
        (
            {"text": "x", "actionItems": [{"description": "a", "ownerEmail": "OWNER"}]},
            "dueAt",
            "REQUIRED",
        ),
        (
            {
                "text": "x",
                "actionItems": [
                    {"description": "a", "ownerEmail": "nobody@x.y", "important": True}
                ],
            },
            "ownerEmail",
            "NOT_FOUND",
        ),
        (
            {
                "text": "x",
                "actionItems": [{"description": "a", "ownerEmail": " ", "important": True}],
            },
            "ownerEmail",
            "REQUIRED",
        ),
        (
            {
                "text": "x",
                "actionItems": [
                    {
                        "description": "a",
                        "ownerEmail": "OWNER",
                        "important": True,
                        "dueAt": "2026-12-30T00:00:00+00:00",
                    }
                ],
            },
            "dueAt",
            "OUT_OF_RANGE",
        ),
        (
            {
                "text": "x",
                "actionItems": [
                    {
                        "description": "a",
                        "ownerEmail": "OWNER",
                        "dueAt": "2026-11-01T00:00:00+00:00",
                    }
                ],
            },
            "dueAt",
            "OUT_OF_RANGE",
        ),
    ],
)
async def test_bad_resolutions_write_nothing(gql, person, resolution, field, code):
    supervisor, agent = await person("supervisor"), await person("booking_agent")
    meeting = await _special(gql, supervisor, [agent])
    clock.freeze(MONDAY + dt.timedelta(hours=2))
    for item in resolution["actionItems"]:
        if item["ownerEmail"] == "OWNER":
            item["ownerEmail"] = agent.account.email
    refused = await _submit(gql, supervisor, meeting["id"], final=True, resolutions=[resolution])
    assert (refused["errors"][0]["field"], refused["errors"][0]["code"]) == (field, code)
    assert await MinutesVersion.all().count() == 0
    assert await Resolution.all().count() == 0 and await ActionItem.all().count() == 0
    assert (await Meeting.get()).minutes_final_at is None
    assert await AuditEntry.filter(action="submitMinutes", outcome="REJECTED").count() == 1


async def test_a_draft_carries_no_resolutions(gql, person):
    supervisor, agent = await person("supervisor"), await person("booking_agent")
    meeting = await _special(gql, supervisor, [agent])
    clock.freeze(MONDAY + dt.timedelta(hours=2))
    refused = await _submit(
        gql,
        supervisor,
        meeting["id"],
        resolutions=[
            {
                "text": "x",
                "actionItems": [
                    {"description": "a", "ownerEmail": agent.account.email, "important": True}
                ],
            }
        ],
    )
    assert refused["errors"][0]["code"] == "INVALID"
    assert await MinutesVersion.all().count() == 0


@pytest.mark.policy("P4.2.5")
async def test_each_responsible_person_signs_off_electronically(gql, person):
    supervisor, agent, cs = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("cs_rep"),
    )
    _, resolution = await _resolved(gql, supervisor, agent, cs)
    unkeyed = await gql(
        SIGN, {"id": resolution["id"], "p": "whatever pass"}, token=await _tok(agent)
    )
    assert unkeyed.data["signOffResolution"]["errors"][0]["code"] == "SIGNING_KEY_REQUIRED"
    for who in (agent, cs, supervisor):
        assert (await gql(SET_KEY, token=await _tok(who))).data["setSigningKey"]["errors"] == []
    # The supervisor owns no item: not one of the people responsible.
    refused = await gql(
        SIGN,
        {"id": resolution["id"], "p": "a long sign-off passphrase"},
        token=await _tok(supervisor),
    )
    assert refused.data["signOffResolution"]["errors"][0]["code"] == "NOT_FOUND"
    wrong = await gql(
        SIGN, {"id": resolution["id"], "p": "not my passphrase"}, token=await _tok(agent)
    )
    assert wrong.data["signOffResolution"]["errors"][0]["code"] == "WRONG_PASSPHRASE"
    for who in (agent, cs):
        signed = await gql(
            SIGN, {"id": resolution["id"], "p": "a long sign-off passphrase"}, token=await _tok(who)
        )
        assert signed.data["signOffResolution"]["errors"] == []
    offs = signed.data["signOffResolution"]["resolution"]["signOffs"]
    assert {o["signer"]["email"] for o in offs} == {agent.account.email, cs.account.email}
    assert all(o["valid"] for o in offs)
    twice = await gql(
        SIGN, {"id": resolution["id"], "p": "a long sign-off passphrase"}, token=await _tok(cs)
    )
    assert twice.data["signOffResolution"]["errors"][0]["code"] == "DUPLICATE"

    # A later change to what was resolved shows: the sign-offs no longer cover it.
    await ActionItem.filter(owner_account_id=cs.account.id).update(description="Other scripts")
    tampered = await gql(
        SIGN, {"id": resolution["id"], "p": "a long sign-off passphrase"}, token=await _tok(agent)
    )
    assert tampered.data["signOffResolution"]["errors"][0]["code"] == "TAMPERED"


@pytest.mark.policy("P4.2.5")
async def test_an_overdue_item_goes_on_the_agenda_of_the_owners_next_meeting_once(gql, person):
    supervisor, agent, cs = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("cs_rep"),
    )
    await _resolved(gql, supervisor, agent, cs)
    hours = await params.resolution_deadline_hours
    next_meeting = await _special(
        gql, supervisor, [agent], starts=clock.now() + dt.timedelta(hours=hours + 24)
    )
    clock.advance(dt.timedelta(hours=hours, minutes=1))
    mine = await gql(ITEMS, {"f": {"overdue": True}}, token=await _tok(agent))
    overdue = mine.data["actionItems"]["edges"]
    assert [e["node"]["description"] for e in overdue] == ["Call list"]
    results = await asyncio.gather(meeting_deadlines({}), meeting_deadlines({}))
    assert sum(r["itemsCarried"] for r in results) == 1
    assert (await meeting_deadlines({}))["itemsCarried"] == 0
    shown = await gql(MEETING, {"id": next_meeting["id"]}, token=await _tok(supervisor))
    assert shown.data["node"]["carriedActionItems"] == [{"description": "Call list"}]
    told = await Notification.filter(kind="ACTION_ITEM_OVERDUE").values_list(
        "account_id", flat=True
    )
    assert sorted(told) == sorted([agent.account.id, supervisor.account.id])
    # Done: no longer overdue.
    done = await gql(COMPLETE, {"id": overdue[0]["node"]["id"]}, token=await _tok(agent))
    assert done.data["completeActionItem"]["actionItem"] == {"status": "DONE", "overdue": False}
    again = await gql(COMPLETE, {"id": overdue[0]["node"]["id"]}, token=await _tok(agent))
    assert again.data["completeActionItem"]["errors"][0]["code"] == "INVALID_TRANSITION"


async def test_owners_see_their_items_and_complete_only_theirs(gql, person):
    supervisor, agent, cs = (
        await person("supervisor"),
        await person("booking_agent"),
        await person("cs_rep"),
    )
    _, resolution = await _resolved(gql, supervisor, agent, cs)
    seen = await gql(ITEMS, {"f": None}, token=await _tok(agent))
    assert [e["node"]["owner"]["email"] for e in seen.data["actionItems"]["edges"]] == [
        agent.account.email
    ]
    everyone = await gql(ITEMS, {"f": None}, token=await _tok(supervisor))
    assert everyone.data["actionItems"]["totalCount"] == 2
    cs_item = next(i for i in resolution["actionItems"] if i["owner"]["email"] == cs.account.email)
    refused = await gql(COMPLETE, {"id": cs_item["id"]}, token=await _tok(agent))
    assert refused.data["completeActionItem"]["errors"][0]["code"] == "NOT_FOUND"
    guest = await person(kind="GUEST")
    listed = await gql(ITEMS, {"f": None}, token=await _tok(guest))
    assert listed.errors[0]["extensions"]["code"] == "FORBIDDEN"
    submitted = await gql(
        SUBMIT, {"input": {"meetingId": "TWVldGluZzox", "text": "x"}}, token=await _tok(guest)
    )
    assert submitted.errors[0]["extensions"]["code"] == "FORBIDDEN"
