"""Communication records are kept `communication_retention_days` and then purged (P7.1.5):
notices with their recipients, phone calls, in-app notifications and delivered e-mails go;
e-mails still pending or failed, PMS webhooks and anything younger stay. The job works in
batches, and a stopped or repeated run removes nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest

from authz import tokens
from domain import knowledge
from domain.clock import clock
from domain.models import (
    AuditEntry,
    Notice,
    NoticeRecipient,
    Notification,
    OutboxEvent,
    PhoneCall,
)
from tests.dual_review_support import set_parameter_reviewed
from tests.knowledge.support import CALL, SEND, ago, failing_dispatcher, file_dispatcher, ok
from workers.jobs import purge_communication_records


async def _send(gql, who, title: str) -> str:
    values = {"title": title, "body": "Details inside.", "audience": {"roles": ["cs_rep"]}}
    token = (await tokens.issue_session(who.account)).access_token
    return (await ok(gql, SEND, {"input": values}, token, "sendNotice"))["notice"]["id"]


async def _call(gql, who, subject: str) -> None:
    values = {
        "callee": {"name": "Power company"},
        "calledAt": ago(minutes=5),
        "subject": subject,
        "outcome": "Engineer sent",
    }
    token = (await tokens.issue_session(who.account)).access_token
    await ok(gql, CALL, {"input": values}, token, "recordPhoneCall")


@pytest.mark.policy("P7.1.5")
async def test_records_past_retention_are_purged_and_undelivered_messages_kept(
    gql, person, tmp_path
):
    supervisor = await person("supervisor")
    await person("cs_rep")
    await _send(gql, supervisor, "Old notice, e-mail failed")
    await failing_dispatcher().run_once()
    await _send(gql, supervisor, "Old notice, e-mail delivered")
    await file_dispatcher(tmp_path).run_once()
    await _send(gql, supervisor, "Old notice, e-mail pending")
    await _call(gql, supervisor, "Old outage")
    webhook = await OutboxEvent.create(
        topic="booking.created",
        destination="PMS_WEBHOOK",
        payload={"number": "B1"},
        status="DELIVERED",
        delivered_at=clock.now(),
    )

    clock.advance(dt.timedelta(days=365, hours=1))
    await _send(gql, supervisor, "Fresh notice")
    await _call(gql, supervisor, "Fresh outage")
    fresh_notice = await Notice.get(title="Fresh notice")

    removed = await purge_communication_records({})
    assert removed == {"notices": 3, "phoneCalls": 1, "notifications": 3, "messages": 1}
    assert await Notice.all().values_list("title", flat=True) == ["Fresh notice"]
    assert await NoticeRecipient.all().values_list("notice_id", flat=True) == [fresh_notice.id]
    assert await PhoneCall.all().values_list("subject", flat=True) == ["Fresh outage"]
    assert await Notification.all().values_list("title", flat=True) == ["Fresh notice"]
    kept = {
        (e.payload.get("subject"), e.status) for e in await OutboxEvent.all().order_by("id")
    }
    assert kept == {
        ("Old notice, e-mail failed", "DEAD"),
        ("Old notice, e-mail pending", "PENDING"),
        (None, "DELIVERED"),  # the PMS webhook
        ("Fresh notice", "PENDING"),
    }
    assert await OutboxEvent.exists(id=webhook.id)
    entries = await AuditEntry.filter(action="purgeCommunicationRecords").count()
    assert entries == 4  # one batch of each kind

    # A rerun finds nothing, writes nothing.
    again = await purge_communication_records({})
    assert again == {"notices": 0, "phoneCalls": 0, "notifications": 0, "messages": 0}
    assert await AuditEntry.filter(action="purgeCommunicationRecords").count() == entries


@pytest.mark.policy("P7.1.5")
async def test_a_stopped_run_leaves_whole_batches_for_the_next(person):
    reader = await person("cs_rep")
    await Notification.bulk_create(
        [Notification(account_id=reader.account.id, kind="NOTICE", title=f"n{i}") for i in range(5)]
    )
    clock.advance(dt.timedelta(days=366))
    await Notification.create(account_id=reader.account.id, kind="NOTICE", title="young")

    first = await knowledge.retention.purge(batch=2, max_batches=1)  # stopped after one batch
    assert first["notifications"] == 2
    assert await Notification.all().count() == 4
    rest = await knowledge.retention.purge(batch=2)
    assert rest["notifications"] == 3
    assert await Notification.all().values_list("title", flat=True) == ["young"]
    assert await knowledge.retention.purge(batch=2) == {
        "notices": 0,
        "phoneCalls": 0,
        "notifications": 0,
        "messages": 0,
    }
    batches = await AuditEntry.filter(
        action="purgeCommunicationRecords", subject_type="Notification", outcome="SUCCESS"
    ).values_list("detail", flat=True)
    assert len(batches) == 3 and batches[0].startswith("2 notifications before")


@pytest.mark.policy("P7.1.5")
async def test_the_retention_follows_its_parameter(gql, person):
    supervisor = await person("supervisor")
    await _call(gql, supervisor, "Lift stuck")
    clock.advance(dt.timedelta(days=31))
    assert (await purge_communication_records({}))["phoneCalls"] == 0  # kept 365 days
    await set_parameter_reviewed("communication_retention_days", "30")
    assert (await purge_communication_records({}))["phoneCalls"] == 1
    assert await PhoneCall.all().count() == 0
