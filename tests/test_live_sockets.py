"""Live sockets obey the same rules as HTTP (issue 7, item 1): every operation over
graphql-transport-ws is checked against the session as an HTTP request is, a socket whose
credentials end is closed with 4401 (4403 when rights were taken away) within seconds, socket
operations spend the caller's request budget, and each account holds a capped number of open
sockets (`max_open_sockets_per_account`, P6.1.2). Over a real WebSocket through uvicorn."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import time

import pytest
import websockets
from strawberry.relay import to_base64

from authz import socket_slots
from domain import broker as broker_module
from domain.clock import clock
from domain.models import Account, Booking, RefreshToken
from server import live_sockets
from tests.bookings.booking_support import CREATE, booking_input, make_hotel
from tests.conftest import REDIS_URL, needs_redis, serving
from tests.dual_review_support import confirm_through_api

TOTAL = "{ bookings { totalCount } }"
TERMS = "{ bookingTerms { version } }"
NOTIFICATIONS = "subscription { notifications { id title } }"
LOGOUT = "mutation { logout(input: {}) { ok errors { code } } }"
UPDATE_STAFF = """mutation($id: ID!, $roles: [String!], $active: Boolean) {
  updateStaffAccount(input: {accountId: $id, roles: $roles, isActive: $active,
                             reason: "access review"}) {
    pendingOperation { id argumentsDigest } errors { code } } }"""
REVOKE_TOKEN = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }"
SET_PARAMETER = """mutation($k: String!, $v: String!) {
  setPolicyParameter(input: {key: $k, value: $v, reason: "socket cap"}) {
    pendingOperation { id argumentsDigest } errors { code } } }"""
# Announcements arrive within milliseconds; this only bounds a failing test.
PATIENCE = 5


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class Socket:
    """A graphql-transport-ws client, as a frontend would run it."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    @classmethod
    async def open(cls, url: str, token: str) -> Socket:
        """Open and initialise; raise Closed when the server refuses the socket."""
        ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
        socket = cls(ws)
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        reply = await socket.receive()
        assert reply["type"] == "connection_ack", reply
        return socket

    async def receive(self) -> dict:
        try:
            return json.loads(await asyncio.wait_for(self.ws.recv(), timeout=PATIENCE))
        except websockets.ConnectionClosed as closed:
            rcvd = closed.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None

    async def subscribe(self, query: str, variables: dict | None = None) -> str:
        operation_id = str(next(self.ids))
        payload = {"query": query, "variables": variables or {}}
        await self.ws.send(
            json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
        )
        return operation_id

    async def run(self, query: str, variables: dict | None = None) -> dict:
        """One query or mutation: its `next` payload, or {"refused": [errors]}."""
        operation_id = await self.subscribe(query, variables)
        result: dict = {}
        while True:
            message = await self.receive()
            if message.get("id") != operation_id:
                continue
            if message["type"] == "next":
                result = message["payload"]
            elif message["type"] == "error":
                return {"refused": message["payload"]}
            elif message["type"] == "complete":
                return result

    async def closing(self) -> Closed:
        """Wait for the server to close the socket (ignoring what arrives meanwhile)."""
        with pytest.raises(Closed) as closed:
            while True:
                await self.receive()
        return closed.value

    async def close(self) -> None:
        await self.ws.close()


@pytest.fixture
async def url(app):
    async with serving(app) as address:
        yield f"ws://{address}/graphql"


def staff_gid(account: Account) -> str:
    return to_base64("StaffAccount", account.id)


async def refused_then_closed(socket: Socket, query: str, variables: dict | None = None):
    """Send an operation over a socket whose credentials ended: either the operation is
    refused (an error with a code) and the socket closed, or the announcement closed the
    socket first. Returns (the refusal's code or None, the close)."""
    code = None
    try:
        reply = await socket.run(query, variables)
        assert "refused" in reply, f"operation was served: {reply}"
        code = reply["refused"][0]["extensions"]["code"]
    except (Closed, websockets.ConnectionClosed):
        pass
    return code, await socket.closing()


# -- the findings ---------------------------------------------------------------------------


async def test_guest_logs_out_over_http_and_create_booking_over_the_socket_is_refused(
    url, gql, person
):
    hotel = await make_hotel()
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    assert (await socket.run(TERMS))["data"]["bookingTerms"]["version"]
    logout = await gql(LOGOUT, token=guest.token)
    assert logout.data["logout"] == {"ok": True, "errors": []}
    assert (await gql(TERMS, token=guest.token)).error_codes == ["TOKEN_REVOKED"]

    code, closed = await refused_then_closed(
        socket, CREATE, {"input": await booking_input(hotel.std)}
    )
    assert code in (None, "TOKEN_REVOKED")
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")
    assert await Booking.all().count() == 0


async def test_supervisor_socket_is_closed_within_seconds_of_logout(url, gql, person):
    supervisor = await person("supervisor")
    socket = await Socket.open(url, supervisor.token)
    assert (await socket.run(TOTAL))["data"] == {"bookings": {"totalCount": 0}}
    started = time.monotonic()
    await gql(LOGOUT, token=supervisor.token)
    closed = await socket.closing()  # no operation sent: the announcement closes it
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")
    assert time.monotonic() - started < PATIENCE


async def test_each_operation_checks_the_session_even_when_no_announcement_came(url, person):
    """A revocation whose announcement was lost (another process, Redis down) is still caught
    by the operation itself, as an HTTP request would be."""
    hotel = await make_hotel()
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    await RefreshToken.filter(account_id=guest.account.id).update(revoked_at=clock.now())

    reply = await socket.run(CREATE, {"input": await booking_input(hotel.std)})
    assert reply["refused"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")
    assert await Booking.all().count() == 0


async def test_a_disabled_account_loses_its_sockets(url, gql, person):
    admin, agent = await person("admin"), await person("booking_agent")
    socket = await Socket.open(url, agent.token)
    await socket.subscribe(NOTIFICATIONS)
    reply = await gql(UPDATE_STAFF, {"id": staff_gid(agent.account), "active": False},
                      token=admin.token)
    assert reply.data["updateStaffAccount"]["errors"] == []
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4401, "UNAUTHENTICATED")
    with pytest.raises(Closed) as refused:
        await Socket.open(url, agent.token)
    assert refused.value.code == 4403


async def test_disabled_without_announcement_is_refused_at_the_next_operation(url, person):
    agent = await person("booking_agent")
    socket = await Socket.open(url, agent.token)
    await Account.filter(id=agent.account.id).update(is_active=False)
    code, closed = await refused_then_closed(socket, TOTAL)
    assert (code, closed.code) == ("UNAUTHENTICATED", 4401)


async def test_operations_run_with_the_roles_the_account_has_now(url, gql, person):
    supervisor = await person("supervisor")
    socket = await Socket.open(url, supervisor.token)
    assert (await socket.run(TOTAL))["data"] == {"bookings": {"totalCount": 0}}
    # The role is taken away behind the socket's back (no announcement): the next operation
    # still sees it, because it is checked with the account as it is now.
    await Account.filter(id=supervisor.account.id).update(roles=["hr"])
    code, closed = await refused_then_closed(socket, TOTAL)
    assert (code, closed.code) == ("FORBIDDEN", 4403)

    # A new socket runs with the current roles: reading bookings is refused, like over HTTP.
    again = await Socket.open(url, supervisor.token)
    reply = await again.run(TOTAL)
    assert reply["data"] is None
    assert reply["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(TOTAL, token=supervisor.token)).error_codes == ["FORBIDDEN"]
    await again.close()


async def test_a_role_granted_applies_at_once_and_a_role_removed_closes_the_socket(
    url, gql, person
):
    admin, clerk, checker = await person("admin"), await person("hr"), await person("admin")

    async def set_roles(roles: list[str]) -> None:  # asked, then confirmed by a second admin
        asked = await gql(UPDATE_STAFF, {"id": gid, "roles": roles}, token=admin.token)
        pending = asked.data["updateStaffAccount"]["pendingOperation"]
        assert (await confirm_through_api(gql, pending, checker.token))["errors"] == []

    socket = await Socket.open(url, clerk.token)
    refused = await socket.run(TOTAL)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    gid = staff_gid(clerk.account)
    await set_roles(["hr", "supervisor"])
    # A granted role keeps the socket, and the next operation over it already has it (no
    # access decision of an earlier operation is reused).
    assert (await socket.run(TOTAL))["data"] == {"bookings": {"totalCount": 0}}
    await set_roles(["hr"])
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4403, "FORBIDDEN")


async def test_a_replayed_refresh_token_revokes_the_session_and_closes_its_socket(
    url, gql, person
):
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    refresh = ("mutation($t: String!) { refreshToken(input: {refreshToken: $t}) "
               "{ errors { code } } }")
    assert (await gql(refresh, {"t": guest.refresh_token})).data["refreshToken"]["errors"] == []
    replay = await gql(refresh, {"t": guest.refresh_token})
    assert replay.data["refreshToken"]["errors"] == [{"code": "TOKEN_REVOKED"}]
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")


async def test_the_socket_closes_when_its_access_token_expires(url, person, monkeypatch):
    monkeypatch.setattr(live_sockets, "EXPIRY_CHECK_SECONDS", 0.05)
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    assert "data" in await socket.run(TERMS)
    clock.advance(dt.timedelta(minutes=16))  # the access token lives 15 minutes
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4401, "TOKEN_EXPIRED")


async def test_an_operation_after_expiry_is_refused(url, person):
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    clock.advance(dt.timedelta(minutes=16))
    code, closed = await refused_then_closed(socket, TERMS)
    assert code in (None, "TOKEN_EXPIRED")
    assert (closed.code, closed.reason) == (4401, "TOKEN_EXPIRED")


async def test_a_revoked_api_token_loses_its_sockets(url, gql, person, partner):
    admin = await person("admin")
    row, secret = await partner(["bookings:read"])
    socket = await Socket.open(url, secret)
    assert (await socket.run(TOTAL))["data"] == {"bookings": {"totalCount": 0}}
    reply = await gql(REVOKE_TOKEN, {"id": to_base64("ApiToken", row.id)}, token=admin.token)
    assert reply.data["revokeApiToken"]["errors"] == []
    closed = await socket.closing()
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")


async def test_socket_operations_spend_the_same_budget_as_http(url, gql, person):
    guest = await person(kind="GUEST", request_budget=3)
    socket = await Socket.open(url, guest.token)
    await _budget_window_with_time_left()
    replies = [await socket.run(TERMS) for _ in range(5)]
    served = [r for r in replies if "data" in r]
    refused = [r["refused"][0]["extensions"] for r in replies if "refused" in r]
    assert len(served) == 3
    assert [e["code"] for e in refused] == ["RATE_LIMITED", "RATE_LIMITED"]
    assert all(e["retryAfter"] > 0 for e in refused)
    # The socket stays open, and HTTP finds the budget spent too: one budget per caller.
    await socket.ws.send(json.dumps({"type": "ping"}))
    assert (await socket.receive())["type"] == "pong"
    over_http = await gql(TERMS, token=guest.token)
    assert over_http.status == 429 and over_http.error_codes == ["RATE_LIMITED"]


@pytest.mark.policy("P6.1.2")
async def test_open_sockets_per_account_are_capped(url, gql, person):
    director = await person("director")
    reply = await gql(SET_PARAMETER, {"k": "max_open_sockets_per_account", "v": "2"},
                      token=director.token)
    assert reply.data["setPolicyParameter"]["errors"] == []
    pending = reply.data["setPolicyParameter"]["pendingOperation"]
    assert (await confirm_through_api(gql, pending, (await person("admin")).token))["errors"] == []
    guest, other = await person(kind="GUEST"), await person(kind="GUEST")
    first, second = await Socket.open(url, guest.token), await Socket.open(url, guest.token)
    with pytest.raises(Closed) as refused:
        await Socket.open(url, guest.token)
    assert (refused.value.code, refused.value.reason) == (4429, "TOO_MANY_SOCKETS")
    # The cap is per account: somebody else is not affected.
    await (await Socket.open(url, other.token)).close()

    await first.close()
    await _until(lambda: socket_slots.slots.count(f"account:{guest.account.id}"), 1)
    third = await Socket.open(url, guest.token)
    assert "data" in await third.run(TERMS)
    await second.close()
    await third.close()


async def test_the_legacy_graphql_ws_protocol_is_not_offered(url):
    ws = await websockets.connect(url, subprotocols=["graphql-ws"])
    assert ws.subprotocol is None
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), timeout=PATIENCE)
    assert closed.value.rcvd.code == 4406


async def _budget_window_with_time_left() -> None:
    """Budgets count per wall-clock minute (as over HTTP); start the counting well inside one,
    so the window cannot turn over between the operations of the test."""
    deadline = time.monotonic() + PATIENCE
    while time.time() % 60 > 55:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def _until(read, expected) -> None:
    """Wait (bounded) until `await read()` equals `expected`: the server frees a socket's slot
    once it has seen the close, a moment after the client's close returns."""
    deadline = time.monotonic() + PATIENCE
    while await read() != expected:
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


# -- across processes (Redis) ---------------------------------------------------------------


@needs_redis
async def test_a_revocation_announced_by_another_process_closes_the_socket(url, person):
    from redis.asyncio import Redis

    assert isinstance(broker_module.broker, broker_module.RedisBroker)
    guest = await person(kind="GUEST")
    socket = await Socket.open(url, guest.token)
    # Another API process revokes the session and announces it with its own broker.
    other_process = broker_module.RedisBroker(Redis.from_url(REDIS_URL))
    try:
        await RefreshToken.filter(account_id=guest.account.id).update(revoked_at=clock.now())
        await other_process.publish_access_change(f"account:{guest.account.id}")
        closed = await socket.closing()
        assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")
    finally:
        await other_process.close()


@needs_redis
async def test_socket_slots_are_shared_between_processes():
    from redis.asyncio import Redis

    one, two = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    first, second = socket_slots.RedisSocketSlots(one), socket_slots.RedisSocketSlots(two)
    try:
        assert await first.take("account:77", "a", cap=2)
        assert await second.take("account:77", "b", cap=2)
        assert not await second.take("account:77", "c", cap=2)
        assert not await first.take("account:77", "d", cap=2)
        await first.release("account:77", "a")
        assert await second.take("account:77", "c", cap=2)
        assert await first.count("account:77") == 2
    finally:
        await one.aclose()
        await two.aclose()
