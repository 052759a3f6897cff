"""Outages of Redis and PostgreSQL (issue 7, item 9): the API keeps serving without Redis and
answers a coded SERVICE_UNAVAILABLE (503 + Retry-After) without its database, within a bounded
time, `/readyz` names what is down, and both recover by themselves when the service returns.

The scenarios stop and start real servers of the test's own (tests/services.py) around an API
served by `hotel serve` in a process of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time

import asyncpg
import httpx
import pytest
import redis as redis_sync
from redis.asyncio import Redis
from tortoise import exceptions as tortoise_errors

from authz import ratelimit, socket_slots
from domain import broker
from domain.outages import SharedOrLocal, unavailable_dependency
from tests.services import (
    ApiClient,
    ApiServer,
    PostgresServer,
    RedisServer,
    free_port,
    postgres_missing,
    redis_missing,
    wait_until,
)

pytestmark = pytest.mark.services

# A request during an outage is answered within this many seconds (the dependency timeout is
# 3 s; answering from a refused connection takes milliseconds).
BOUND_SECONDS = 8
IN_A_MONTH = dt.date.today() + dt.timedelta(days=30)


def _readyz(api: ApiServer) -> httpx.Response:
    return httpx.get(f"{api.base}/readyz", timeout=BOUND_SECONDS * 2)


def _booked(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert not body.get("errors"), body
    payload = body["data"]["createBooking"]
    assert payload["errors"] == [], payload
    return payload["booking"]


def _unavailable(reply: httpx.Response, client: ApiClient) -> None:
    assert client.last_seconds < BOUND_SECONDS, client.last_seconds
    assert reply.status_code == 503, reply.text
    assert reply.headers["retry-after"].isdigit()
    codes = [e["extensions"]["code"] for e in reply.json()["errors"]]
    assert codes == ["SERVICE_UNAVAILABLE"] * len(codes) and codes, codes


def _counted_in_redis(client: ApiClient, url: str) -> bool:
    """Send a request, then look for request-budget counters in Redis."""
    client.post("{ bookingTerms { version } }")
    with redis_sync.Redis.from_url(url, socket_timeout=2) as redis_client:
        return bool(redis_client.keys("hotel:rl*"))


@pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or "")
def test_the_api_starts_serves_and_books_without_redis_and_picks_it_up_again(tmp_path):
    redis_server = RedisServer()  # configured, but not running when the API starts
    api = ApiServer(tmp_path, REDIS_URL=redis_server.url)
    client = ApiClient(api.base)
    try:
        api.wait_ready()
        ready = _readyz(api)
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["dependency"] == "redis"
        assert "redis unreachable" in ready.json()["reason"]

        assert client.login().status_code == 200 and client.token
        first = _booked(client.book(IN_A_MONTH, name="Before Redis"))

        redis_server.start()
        wait_until(lambda: _readyz(api).json()["status"] == "ready", what="ready with Redis")
        # After the back-off the shared counters are used again: requests count in Redis.
        wait_until(lambda: _counted_in_redis(client, redis_server.url),
                   what="budgets counted in Redis")

        redis_server.stop()
        answers = []
        for attempt in range(3):
            answers.append(client.login())
            assert client.last_seconds < BOUND_SECONDS
            answers.append(client.book(IN_A_MONTH, name=f"During outage {attempt}"))
            assert client.last_seconds < BOUND_SECONDS
        assert [a.status_code for a in answers] == [200] * 6
        during = [_booked(a) for a in answers[1::2]]
        degraded = _readyz(api)
        assert degraded.status_code == 200 and degraded.json()["status"] == "degraded"

        redis_server.start()
        wait_until(lambda: _readyz(api).json()["status"] == "ready", what="ready again")
        wait_until(lambda: _counted_in_redis(client, redis_server.url),
                   what="budgets counted in Redis again")
        last = _booked(client.book(IN_A_MONTH, name="After Redis"))
        # A commit wakes the arq workers through the Redis that came back. The job queue's own
        # back-off (5 s after its last failure) may still hold the first wake-up back, so book
        # again until one goes through (the cron schedule would catch a lost one anyway).
        with redis_sync.Redis.from_url(redis_server.url, socket_timeout=2) as check:

            def woken() -> bool:
                if check.zcard("arq:queue") >= 1:
                    return True
                _booked(client.book(IN_A_MONTH, name="Wake the workers"))
                time.sleep(1)
                return check.zcard("arq:queue") >= 1

            wait_until(woken, seconds=20, what="a delivery job in the arq queue")
    finally:
        client.close()
        api.stop()
        redis_server.stop()

    with sqlite3.connect(tmp_path / "hotel.sqlite3") as database:
        numbers = {row[0] for row in database.execute("SELECT number FROM booking")}
        pending = database.execute(
            "SELECT COUNT(*) FROM outbox_event WHERE status = 'PENDING'"
        ).fetchone()[0]
    assert {first["number"], last["number"], *(b["number"] for b in during)} <= numbers
    # No worker could run without Redis: the bookings' events wait in their table.
    assert pending >= 5


@pytest.mark.skipif(postgres_missing() is not None, reason=postgres_missing() or "")
def test_the_api_answers_service_unavailable_while_postgres_is_down_and_recovers(tmp_path):
    postgres = PostgresServer()
    api = None
    client = None
    try:
        postgres.start()
        api = ApiServer(tmp_path, DATABASE_URL=postgres.url)
        client = ApiClient(api.base)
        api.wait_ready()
        assert client.login().status_code == 200 and client.token
        before = _booked(client.book(IN_A_MONTH, name="Before the outage"))

        postgres.stop()
        _unavailable(client.post("{ bookings(first: 1) { totalCount } }"), client)
        _unavailable(client.book(IN_A_MONTH, name="During the outage"), client)
        anonymous = ApiClient(api.base)
        try:
            _unavailable(anonymous.login(), anonymous)
        finally:
            anonymous.close()
        ready = _readyz(api)
        assert ready.status_code == 503 and ready.headers["retry-after"].isdigit()
        assert ready.json()["dependency"] == "database"
        assert ready.json()["reason"].startswith("database unreachable")
        assert "migrate" not in ready.text
        assert httpx.get(f"{api.base}/healthz", timeout=5).status_code == 200

        postgres.start()
        wait_until(lambda: _readyz(api).status_code == 200, what="ready after the outage")
        totals = client.post("{ bookings(first: 1) { totalCount } }")
        assert totals.status_code == 200 and totals.json()["data"]["bookings"]["totalCount"] == 1
        after = _booked(client.book(IN_A_MONTH, name="After the outage"))
    finally:
        if client is not None:
            client.close()
        if api is not None:
            api.stop()
        try:
            numbers = asyncio.run(_booking_numbers(postgres.url))
        finally:
            postgres.remove()
    assert numbers == {before["number"], after["number"]}


async def _booking_numbers(url: str) -> set[str]:
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return {row["number"] for row in await connection.fetch("SELECT number FROM booking")}
    finally:
        await connection.close()


async def test_counters_count_in_the_process_while_redis_is_unreachable():
    closed = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    counter = ratelimit.FallbackCounter(ratelimit.RedisCounter(closed))
    try:
        verdicts = [await counter.hit("budget:x", 2, 60, now=120.0) for _ in range(3)]
        assert [v.allowed for v in verdicts] == [True, True, False]
        assert await counter.peek("budget:x", 60, now=120.0) == 3
        await counter.reset("budget:x", 60, now=120.0)
        assert await counter.peek("budget:x", 60, now=120.0) == 0
        assert counter.degraded
    finally:
        await closed.aclose()


async def test_socket_slots_count_in_the_process_while_redis_is_unreachable():
    closed = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    slots = SharedOrLocal(
        socket_slots.RedisSocketSlots(closed), socket_slots.MemorySocketSlots(), "socket slots"
    )
    try:
        assert [await slots.take("account:1", f"s{i}", 2) for i in range(3)] == [
            True, True, False]
        await slots.release("account:1", "s0")
        assert await slots.count("account:1") == 1
        assert slots.degraded
    finally:
        await closed.aclose()


async def test_live_update_wakeups_do_not_fail_while_redis_is_unreachable():
    closed = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    redis_broker = broker.RedisBroker(closed, timeout=1)
    try:
        await redis_broker.publish(7)  # dropped: the stream polls the table instead
        async with redis_broker.listen(7) as wakeups:
            assert wakeups.empty()
        await redis_broker.publish_access_change("account:7")  # sockets re-check on a timer
        assert redis_broker.breaker.down
    finally:
        await closed.aclose()


def _wrapped(outer: type[Exception], inner: BaseException) -> Exception:
    """`inner` re-raised as `outer`, as the ORM does with driver errors."""
    try:
        try:
            raise inner
        except BaseException as caught:
            raise outer(caught) from None
    except Exception as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), "database"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-operation"), "database"),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
         "database"),
        (_wrapped(tortoise_errors.OperationalError, sqlite3.OperationalError("database is locked")),
         "database"),
        (_wrapped(tortoise_errors.TransactionManagementError,
                  sqlite3.OperationalError("database is locked")), "database"),
        (redis_sync.exceptions.ConnectionError("Error 111 connecting"), "redis"),
        (ValueError("a bug"), None),
        (_wrapped(tortoise_errors.OperationalError, sqlite3.OperationalError("no such table: x")),
         None),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), None),
        (asyncpg.exceptions.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"), "database"),
        (asyncpg.exceptions.InterfaceError(
            "cannot call Transaction.rollback(): the underlying connection is closed"),
         "database"),
        (asyncpg.exceptions.InterfaceError("the number of query arguments cannot exceed 32767"),
         None),
    ],
)
def test_only_connection_level_failures_count_as_outages(error, dependency):
    assert unavailable_dependency(error) == dependency
