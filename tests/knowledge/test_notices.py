"""Notices through the API (P7.1.1): a department head addresses departments, roles and named
colleagues; each recipient is told in the app and by e-mail through the outbox in the same
transaction; the sender and management follow whether each read it and where each e-mail is;
bad notices write nothing; staff see only what they sent or received."""

from __future__ import annotations

import pytest

from domain.models import AuditEntry, Notice, NoticeRecipient, Notification, OutboxEvent
from tests.knowledge.support import (
    NOTICES,
    SEND,
    failing_dispatcher,
    file_dispatcher,
    ok,
)

MARK_READ = """mutation($ids: [ID!]!) { markNotificationsRead(input: {ids: $ids}) {
  errors { code } } }"""
MY_NOTIFICATIONS = """{ notifications(first: 10) { nodes { id title } } }"""


def _notice(**changes) -> dict:
    values = {
        "title": "Fire drill on Friday",
        "body": "Meet at the car park at 15:00.",
        "audience": {"departments": ["FINANCE"], "roles": ["cs_rep"], "staffEmails": []},
    }
    values.update(changes)
    return values


@pytest.mark.policy("P7.1.1")
async def test_a_notice_reaches_its_audience_in_the_app_and_by_email_and_its_delivery_shows(
    gql, person, tmp_path
):
    supervisor = await person("supervisor")
    finance, cs_rep = await person("finance"), await person("cs_rep")
    named, outsider = await person("booking_agent"), await person("booking_agent")
    values = _notice(
        audience={
            "departments": ["finance"],
            "roles": ["cs_rep"],
            "staffEmails": [named.account.email, supervisor.account.email],
        }
    )
    sent = (await ok(gql, SEND, {"input": values}, supervisor.token, "sendNotice"))["notice"]
    recipients = {finance.account.email, cs_rep.account.email, named.account.email}
    assert sent["recipientCount"] == 3 and sent["byEmail"] is True
    assert {r["person"]["email"] for r in sent["recipients"]} == recipients  # not the sender
    assert {r["email"] for r in sent["recipients"]} == {"PENDING"}
    assert sent["delivery"] == {
        "recipients": 3,
        "read": 0,
        "emailPending": 3,
        "emailDelivered": 0,
        "emailFailed": 0,
    }
    assert sent["audience"]["departments"] == ["FINANCE"]
    assert {s["email"] for s in sent["audience"]["staff"]} == {
        named.account.email,
        supervisor.account.email,
    }
    told = await Notification.filter(kind="NOTICE").values_list("account_id", flat=True)
    assert sorted(told) == sorted([finance.account.id, cs_rep.account.id, named.account.id])
    assert outsider.account.id not in told
    emails = await OutboxEvent.filter(destination="EMAIL").order_by("id")
    assert sorted(e.payload["to"] for e in emails) == sorted(recipients)
    assert {e.payload["subject"] for e in emails} == {"Fire drill on Friday"}
    assert await NoticeRecipient.all().count() == 3
    assert await AuditEntry.filter(action="sendNotice", outcome="SUCCESS").count() == 1

    # One recipient reads it in the app; one e-mail fails for good, the others are delivered.
    [mine] = (await gql(MY_NOTIFICATIONS, token=cs_rep.token)).data["notifications"]["nodes"]
    assert mine["title"] == "Fire drill on Friday"
    marked = await gql(MARK_READ, {"ids": [mine["id"]]}, token=cs_rep.token)
    assert marked.data["markNotificationsRead"]["errors"] == []
    assert (await failing_dispatcher().run_once(limit=1)).dead == 1
    assert (await file_dispatcher(tmp_path).run_once()).delivered == 2

    listed = await gql(NOTICES, token=supervisor.token)
    [edge] = listed.data["notices"]["edges"]
    assert edge["node"]["delivery"] == {
        "recipients": 3,
        "read": 1,
        "emailPending": 0,
        "emailDelivered": 2,
        "emailFailed": 1,
    }
    states = {
        r["person"]["email"]: (r["email"], bool(r["readAt"])) for r in edge["node"]["recipients"]
    }
    assert states[cs_rep.account.email][1] is True
    assert sorted(s for s, _ in states.values()) == ["DELIVERED", "DELIVERED", "FAILED"]
    failed = await OutboxEvent.get(status="DEAD")
    assert states[failed.payload["to"]][0] == "FAILED"


@pytest.mark.policy("P7.1.1")
async def test_a_notice_in_the_app_only_sends_no_email(gql, person):
    director, hr = await person("director"), await person("hr")
    values = _notice(byEmail=False, audience={"departments": ["HR"]})
    sent = (await ok(gql, SEND, {"input": values}, director.token, "sendNotice"))["notice"]
    assert [r["email"] for r in sent["recipients"]] == ["NOT_SENT"]
    assert sent["recipients"][0]["person"]["email"] == hr.account.email
    assert await OutboxEvent.all().count() == 0
    assert await Notification.filter(kind="NOTICE").count() == 1


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("no_audience", "audience", "REQUIRED"),
        ("unknown_department", "audience", "INVALID"),
        ("unknown_role", "audience", "INVALID"),
        ("unknown_person", "audience", "NOT_FOUND"),
        ("only_the_sender", "audience", "NOT_FOUND"),
        ("no_title", "title", "REQUIRED"),
        ("long_title", "title", "TOO_LONG"),
        ("no_body", "body", "REQUIRED"),
    ],
)
async def test_bad_notices_are_refused_and_write_nothing(gql, person, case, field, code):
    supervisor = await person("supervisor")
    await person("cs_rep")
    audience = {"departments": [], "roles": [], "staffEmails": []}
    changes: dict = {"audience": audience}
    if case == "unknown_department":
        audience["departments"] = ["MARKETING_MOON"]
    elif case == "unknown_role":
        audience["roles"] = ["astronaut"]
    elif case == "unknown_person":
        audience["staffEmails"] = ["nobody@test.hotel"]
    elif case == "only_the_sender":
        audience["staffEmails"] = [supervisor.account.email]
    else:
        audience["roles"] = ["cs_rep"] if case != "no_audience" else []
    if case == "no_title":
        changes["title"] = "  "
    elif case == "long_title":
        changes["title"] = "x" * 201
    elif case == "no_body":
        changes["body"] = ""
    reply = await gql(SEND, {"input": _notice(**changes)}, token=supervisor.token)
    answer = reply.data["sendNotice"]
    assert answer["notice"] is None
    assert (answer["errors"][0]["field"], answer["errors"][0]["code"]) == (field, code)
    assert await Notice.all().count() == 0 and await NoticeRecipient.all().count() == 0
    assert await Notification.all().count() == 0 and await OutboxEvent.all().count() == 0
    outcomes = await AuditEntry.filter(action="sendNotice").values_list("outcome", flat=True)
    assert outcomes == ["REJECTED"]


@pytest.mark.policy("P6.1.2")
async def test_who_may_send_and_see_notices(gql, person, partner):
    supervisor, cs_rep = await person("supervisor"), await person("cs_rep")
    agent, auditor = await person("booking_agent"), await person("auditor")
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    values = _notice(audience={"roles": ["cs_rep"]})
    for token in (cs_rep.token, agent.token, guest.token, secret, None):
        refused = await gql(SEND, {"input": values}, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")
    assert await Notice.all().count() == 0
    for token in (guest.token, secret, None):
        refused = await gql(NOTICES, token=token)
        assert refused.error_codes[0] in ("FORBIDDEN", "UNAUTHENTICATED")

    sent = (await ok(gql, SEND, {"input": values}, supervisor.token, "sendNotice"))["notice"]
    counts = {}
    for who in (supervisor, cs_rep, agent, auditor):
        counts[who.account.email] = (await gql(NOTICES, token=who.token)).data["notices"][
            "totalCount"
        ]
    assert counts == {
        supervisor.account.email: 1,  # management sees every notice
        cs_rep.account.email: 1,  # a recipient
        agent.account.email: 0,  # neither sent nor received it
        auditor.account.email: 1,  # internal audit traces communication (P7.1.5)
    }
    received = await gql(NOTICES, {"f": {"receivedOnly": True}}, token=supervisor.token)
    assert received.data["notices"]["totalCount"] == 0
    node = """query($id: ID!) { node(id: $id) { ... on Notice { id title } } }"""
    assert (await gql(node, {"id": sent["id"]}, token=agent.token)).data["node"] is None
    seen = await gql(node, {"id": sent["id"]}, token=cs_rep.token)
    assert seen.data["node"]["title"] == "Fire drill on Friday"
    # A recipient reads the notice, not who else read it; the sender follows its delivery.
    as_recipient = (await gql(NOTICES, token=cs_rep.token)).data["notices"]["edges"][0]["node"]
    assert as_recipient["recipients"] == [] and as_recipient["delivery"] is None
    tech = await person("tech_lead")  # sees only the notices they sent or received
    await ok(gql, SEND, {"input": _notice(title="Lift repair")}, tech.token, "sendNotice")
    [own] = (await gql(NOTICES, token=tech.token)).data["notices"]["edges"]
    assert own["node"]["title"] == "Lift repair" and own["node"]["delivery"]["recipients"] == 1
