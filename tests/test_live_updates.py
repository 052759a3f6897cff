"""Live updates: the `notifications` subscription over graphql-transport-ws, authenticated when
the socket opens, streaming only the viewer's own notifications; with Redis, a notification
produced by another process reaches the subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import pytest
import websockets

from domain import broker as broker_module
from domain import notifications
from domain.actor import SYSTEM
from domain.broker import RedisBroker
from domain.unit_of_work import audited
from tests.conftest import REDIS_URL, needs_redis, serving

SUBSCRIBE = "subscription { notifications { id kind title subjectId } }"


class _ObservedBroker:
    """The platform's broker, telling the test when a subscriber's listener is in place, so the
    test notifies only once the subscription can hear it (instead of sleeping and hoping)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.listening = asyncio.Event()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    @contextlib.asynccontextmanager
    async def listen(self, account_id: int):
        async with self.inner.listen(account_id) as wakeups:
            self.listening.set()
            yield wakeups


@pytest.fixture
def observed_broker() -> Iterator[_ObservedBroker]:
    observed = _ObservedBroker(broker_module.broker)
    broker_module.use(observed)
    try:
        yield observed
    finally:
        broker_module.use(observed.inner)


@pytest.fixture
async def live_server(app):
    async with serving(app) as address:
        yield f"ws://{address}/graphql"


async def _open(url: str, token: str | None):
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def _notify(account_id: int, title: str):
    async def work():
        return await notifications.notify(account_id, "TASK_ASSIGNED", title, subject_id=7)

    await audited(SYSTEM, "test.notify", "Notification", work)


async def test_subscriber_receives_own_notifications_only(live_server, person, observed_broker):
    agent, other = await person("booking_agent"), await person("cs_rep")
    ws = await _open(live_server, agent.token)
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    await asyncio.wait_for(observed_broker.listening.wait(), timeout=5)
    await _notify(other.account.id, "not for you")
    await _notify(agent.account.id, "Call guest B1 back")
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert message["type"] == "next"
    assert message["payload"]["data"]["notifications"]["title"] == "Call guest B1 back"
    await ws.close()


async def test_socket_without_credentials_is_rejected(live_server):
    ws = await _open(live_server, None)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), timeout=5)
    assert closed.value.rcvd.code == 4403


async def test_socket_with_a_bad_token_is_rejected(live_server):
    ws = await _open(live_server, "forged.token.value")
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), timeout=5)


async def test_partner_tokens_cannot_subscribe(live_server, partner):
    _, secret = await partner(["bookings:read"])
    ws = await _open(live_server, secret)
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
    await ws.close()


@needs_redis
async def test_redis_broker_carries_wakeups_between_processes():
    from redis.asyncio import Redis

    # Two brokers with their own connections stand for two API processes.
    producer, consumer = (
        RedisBroker(Redis.from_url(REDIS_URL)),
        RedisBroker(Redis.from_url(REDIS_URL)),
    )
    try:
        # `listen` returns once Redis confirmed the subscription: no wait is needed.
        async with consumer.listen(4242) as wakeups:
            await producer.publish(4242)
            assert await asyncio.wait_for(wakeups.get(), timeout=5) == 4242
    finally:
        await producer.close()
        await consumer.close()
