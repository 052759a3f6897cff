"""PMS synchronisation through the outbox (P3.1.3): signed webhooks to a real HTTP receiver on
loopback, retries with backoff, dead letters after the last try, redelivery by an operator."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import outbox
from domain.actor import SYSTEM
from domain.clock import clock
from domain.models import OutboxEvent
from domain.unit_of_work import audited
from tests.conftest import serving
from workers.delivery import default_adapters

SECRET = "pms-shared-secret-for-tests"


class PmsReceiver:
    """Stands in for the property-management system: checks Standard Webhooks signatures and
    can be told to fail."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.failures_left = 0

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()
        msg_id, stamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), f"{msg_id}.{stamp}.{body}".encode(), hashlib.sha256).digest()
        ).decode()
        if f"v1,{expected}" not in request.headers["webhook-signature"].split():
            return Response("bad signature", status_code=401)
        if self.failures_left:
            self.failures_left -= 1
            return Response("PMS busy", status_code=503)
        self.accepted.append({"id": msg_id, "body": json.loads(body)})
        return Response(status_code=204)


@pytest.fixture
async def pms():
    receiver = PmsReceiver()
    app = Starlette(routes=[Route("/hooks", receiver.endpoint, methods=["POST"])])
    async with serving(app) as address:
        receiver.url = f"http://{address}/hooks"
        yield receiver


async def _booking_event() -> OutboxEvent:
    async def work():
        return await outbox.enqueue(
            "booking.confirmed",
            outbox.PMS_WEBHOOK,
            {"number": "B20261128-TEST1", "status": "CONFIRMED"},
        )

    return await audited(SYSTEM, "test.enqueue", "OutboxEvent", work)


def _dispatcher(receiver: PmsReceiver, attempts: int = 3) -> outbox.OutboxDispatcher:
    adapters = default_adapters("/tmp", pms_url=receiver.url, pms_secret=SECRET)
    return outbox.OutboxDispatcher(
        adapters,
        retry=outbox.RetryPolicy(max_attempts=attempts, base_delay=dt.timedelta(seconds=30)),
    )


@pytest.mark.policy("P3.1.3")
async def test_event_is_delivered_signed_once(pms):
    await _booking_event()
    dispatcher = _dispatcher(pms)
    first, second = await dispatcher.run_once(), await dispatcher.run_once()
    assert first.delivered == 1 and second.delivered == 0
    assert len(pms.accepted) == 1
    body = pms.accepted[0]["body"]
    assert body["type"] == "booking.confirmed"
    assert body["data"]["number"] == "B20261128-TEST1"


@pytest.mark.policy("P3.1.3")
async def test_concurrent_dispatchers_never_send_twice(pms):
    for _ in range(5):
        await _booking_event()
    dispatchers = [_dispatcher(pms) for _ in range(4)]
    await asyncio.gather(*(d.run_once() for d in dispatchers))
    assert len(pms.accepted) == 5
    assert len({a["id"] for a in pms.accepted}) == 5


@pytest.mark.policy("P3.1.3")
async def test_retries_back_off_then_dead_then_redelivered_by_admin(pms, gql, person):
    event = await _booking_event()
    pms.failures_left = 10
    dispatcher = _dispatcher(pms, attempts=3)
    assert (await dispatcher.run_once()).retried == 1
    # Not due yet: the backoff holds it back.
    assert (await dispatcher.run_once()).retried == 0
    clock.advance(dt.timedelta(seconds=31))
    assert (await dispatcher.run_once()).retried == 1
    clock.advance(dt.timedelta(seconds=61))
    assert (await dispatcher.run_once()).dead == 1
    await event.refresh_from_db()
    assert event.status == "DEAD" and "503" in event.last_error

    admin, agent = await person("admin"), await person("booking_agent")
    listed = await gql(
        '{ outboxEvents(filter: {status: "DEAD"}) { totalCount '
        "edges { node { id attempts lastError } } } }",
        token=admin.token,
    )
    node = listed.data["outboxEvents"]["edges"][0]["node"]
    assert node["attempts"] == 3
    redeliver = """mutation($id: ID!) { redeliverOutboxEvent(input: {eventId: $id}) {
      event { status attempts } errors { code } } }"""
    assert (await gql(redeliver, {"id": node["id"]}, token=agent.token)).error_codes == [
        "FORBIDDEN"
    ]
    again = await gql(redeliver, {"id": node["id"]}, token=admin.token)
    assert again.data["redeliverOutboxEvent"]["event"] == {"status": "PENDING", "attempts": 0}
    pms.failures_left = 0
    assert (await dispatcher.run_once()).delivered == 1
    assert len(pms.accepted) == 1


async def test_a_rolled_back_transaction_sends_nothing(pms):
    from domain.errors import DomainError

    async def work():
        await outbox.enqueue("booking.confirmed", outbox.PMS_WEBHOOK, {"number": "X"})
        raise DomainError("INVALID", "changed my mind")

    with pytest.raises(DomainError):
        await audited(SYSTEM, "test.enqueue", "OutboxEvent", work)
    assert await OutboxEvent.all().count() == 0
    assert (await _dispatcher(pms).run_once()).delivered == 0
