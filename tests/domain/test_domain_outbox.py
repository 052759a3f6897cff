"""Outbox delivery (P3.1.3 voucher by e-mail/SMS and PMS synchronisation): Standard-Webhooks
signatures, retries with exponential backoff, DEAD after the last try, redelivery, and file
channel adapters."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json

import httpx
import pytest
from domain_support import TODAY, book, run, staff

from domain import outbox
from domain.actor import SYSTEM
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import OutboxEvent
from workers.delivery import default_adapters

pytestmark = pytest.mark.policy("P3.1.3")
SECRET = "whsec_" + base64.b64encode(b"pms-shared-secret-0123456789").decode()


class FakePms:
    """The receiving end: records requests, answers with the scripted status codes."""

    def __init__(self, statuses=(200,)) -> None:
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return httpx.Response(status, text="ok" if status < 300 else "busy")


def dispatcher(tmp_path, pms: FakePms, **retry) -> outbox.OutboxDispatcher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(pms))
    adapters = default_adapters(
        tmp_path, pms_url="https://pms.example/hooks", pms_secret=SECRET, http_client=client
    )
    return outbox.OutboxDispatcher(adapters, retry=outbox.RetryPolicy(**retry))


async def test_webhook_is_signed_over_id_timestamp_and_body(hotel, tmp_path):
    agent = await staff("booking_agent")
    booking = await book(agent, hotel.std, TODAY + dt.timedelta(days=3), 1)
    pms = FakePms()
    report = await dispatcher(tmp_path, pms).run_once()
    assert report.delivered == 3 and report.retried == report.dead == 0
    [request] = pms.requests
    body = request.content.decode()
    msg_id, timestamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    assert int(timestamp) == int(clock.now().timestamp())
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.headers["webhook-signature"] == f"v1,{expected}"
    assert outbox.verify_webhook(SECRET, request.headers, body)
    assert not outbox.verify_webhook(SECRET, request.headers, body + " ")
    assert not outbox.verify_webhook(
        "whsec_" + base64.b64encode(b"x" * 24).decode(), request.headers, body
    )
    assert not outbox.verify_webhook(
        SECRET, request.headers, body, now=clock.now() + dt.timedelta(minutes=6)
    )
    envelope = json.loads(body)
    assert envelope["type"] == "booking.confirmed" and envelope["id"] == msg_id
    assert envelope["data"]["bookingNumber"] == booking.number

    lines = (tmp_path / "email.log").read_text().splitlines()
    assert len(lines) == 1 and booking.voucher_code in json.loads(lines[0])["data"]["body"]
    assert len((tmp_path / "sms.log").read_text().splitlines()) == 1
    assert set(await OutboxEvent.all().values_list("status", flat=True)) == {"DELIVERED"}
    assert (await dispatcher(tmp_path, pms).run_once()).delivered == 0  # nothing twice


async def test_failures_back_off_exponentially_then_die_and_can_be_redelivered(tmp_path):
    event = await run(
        SYSTEM,
        "enqueue",
        lambda: outbox.enqueue("booking.changed", outbox.PMS_WEBHOOK, {"bookingNumber": "B1"}),
    )
    pms = FakePms(statuses=[500])
    worker = dispatcher(tmp_path, pms, max_attempts=4, base_delay=dt.timedelta(seconds=10))
    waits = []
    for _ in range(3):
        report = await worker.run_once()
        assert report.retried == 1
        row = await OutboxEvent.get(id=event.id)
        waits.append(row.next_attempt_at - clock.now())
        assert (await worker.run_once()).retried == 0  # not due yet
        clock.advance(waits[-1])
    assert waits == [dt.timedelta(seconds=s) for s in (10, 20, 40)]
    assert "HTTP 500" in (await OutboxEvent.get(id=event.id)).last_error
    report = await worker.run_once()
    assert report.dead == 1
    dead = await OutboxEvent.get(id=event.id)
    assert (dead.status, dead.attempts) == ("DEAD", 4)
    clock.advance(dt.timedelta(days=1))
    assert (await worker.run_once()).delivered == 0
    # The same webhook-id on every try, so the PMS can de-duplicate.
    assert {r.headers["webhook-id"] for r in pms.requests} == {f"evt_{event.id}"}

    pms.statuses = [204]
    again = await run(SYSTEM, "redeliverEvent", lambda: outbox.redeliver(SYSTEM, event.id))
    assert (again.status, again.attempts) == ("PENDING", 0)
    assert (await worker.run_once()).delivered == 1
    with pytest.raises(DomainError) as refused:
        await run(SYSTEM, "redeliverEvent", lambda: outbox.redeliver(SYSTEM, 9999))
    assert refused.value.code == ErrorCode.NOT_FOUND


async def test_concurrent_workers_deliver_each_event_once(tmp_path):
    for i in range(20):
        await run(
            SYSTEM,
            "enqueue",
            lambda i=i: outbox.enqueue_message(
                outbox.EMAIL, to=f"g{i}@example.com", subject="Hi", body=str(i), topic="t"
            ),
        )
    adapters = default_adapters(tmp_path)
    workers = [outbox.OutboxDispatcher(adapters) for _ in range(4)]
    reports = await asyncio.gather(*(w.run_once(limit=20) for w in workers))
    assert sum(r.delivered for r in reports) == 20
    lines = (tmp_path / "email.log").read_text().splitlines()
    assert sorted(json.loads(line)["data"]["body"] for line in lines) == sorted(
        str(i) for i in range(20)
    )


async def test_unknown_destination_is_retried_not_lost(tmp_path):
    await run(SYSTEM, "enqueue", lambda: outbox.enqueue("x", "CARRIER_PIGEON", {}))
    report = await outbox.OutboxDispatcher(default_adapters(tmp_path)).run_once()
    assert report.retried == 1 and "no adapter" in next(iter(report.errors.values()))


async def test_file_adapter_is_the_pms_fallback(hotel, tmp_path):
    agent = await staff("booking_agent")
    await book(agent, hotel.std, TODAY, 1)
    await outbox.OutboxDispatcher(default_adapters(tmp_path)).run_once()
    assert json.loads((tmp_path / "pms.log").read_text())["type"] == "booking.confirmed"
