"""Log-in throttling that cannot be used to lock people out (issue 7, item 7): hard limits per
client address and per (address, account) pair, a growing delay instead of a lock for failures
spread over many addresses, one security notice per window, argon2 off the event loop, and a
Redis reset that is one deletion of a known key."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid

import httpx
import pytest

from authz import ratelimit, sessions
from domain.clock import clock
from domain.models import Account, AuditEntry, Notification, RefreshToken
from tests.conftest import PASSWORD, GraphQLClient, make_account, needs_redis

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken
    errors { field message code retryAfterSeconds }
  }
}"""
NOTIFICATIONS = "{ notifications { totalCount edges { node { kind title body } } } }"


@pytest.fixture
async def at(app):
    """`at("10.0.0.1")` -> a GraphQL client whose requests come from that client address."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> GraphQLClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://hotel.test")
        clients.append(client)
        return GraphQLClient(client)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def small_limits():
    """Lower thresholds, so the scenarios need fewer ~130 ms password checks."""
    defaults = sessions.throttle
    sessions.configure(
        sessions.ThrottleSettings(
            max_failures_per_address=6,
            max_failures_per_pair=3,
            account_soft_threshold=4,
            delay_base_seconds=2,
            delay_max_seconds=16,
            window_seconds=900,
        )
    )
    yield
    sessions.configure(defaults)


async def _login(client: GraphQLClient, email: str, password: str) -> dict:
    reply = await client(LOGIN, {"email": email, "password": password})
    assert reply.status == 200 and reply.data, reply.body
    return reply.data["login"]


def _code(login: dict) -> str | None:
    return login["errors"][0]["code"] if login["errors"] else None


async def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(at):
    """The finding: five wrong passwords from anywhere locked the account, owner included."""
    guest = await make_account("guest@test.hotel", kind="GUEST")
    attacker, owner = at("203.0.113.7"), at("198.51.100.20")
    for _ in range(6):
        await _login(attacker, "guest@test.hotel", "wrong-guess")
    refused = await _login(attacker, "guest@test.hotel", PASSWORD)
    assert _code(refused) == "RATE_LIMITED"
    assert refused["errors"][0]["retryAfterSeconds"] > 0

    login = await _login(owner, "guest@test.hotel", PASSWORD)
    assert login["errors"] == [] and login["accessToken"]
    assert await RefreshToken.filter(account_id=guest.id).count() == 1
    assert await AuditEntry.filter(action="login", outcome="SUCCESS").count() == 1


async def test_one_address_is_limited_per_account_it_guesses(at):
    await make_account("ana@test.hotel", ["director"])
    await make_account("bob@test.hotel", ["director"])
    address = at("203.0.113.8")
    codes = [_code(await _login(address, "ana@test.hotel", f"guess{i}")) for i in range(7)]
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 2
    # The pair is limited, not the address: the same address still reaches another account.
    assert (await _login(address, "bob@test.hotel", PASSWORD))["errors"] == []
    refused = await _login(address, "ana@test.hotel", PASSWORD)
    assert _code(refused) == "RATE_LIMITED"
    assert 0 < refused["errors"][0]["retryAfterSeconds"] <= 900
    clock.advance(dt.timedelta(seconds=refused["errors"][0]["retryAfterSeconds"]))
    assert (await _login(address, "ana@test.hotel", PASSWORD))["errors"] == []


async def test_one_address_is_limited_across_accounts(at, small_limits):
    await make_account("ana@test.hotel", ["director"])
    stuffer = at("203.0.113.9")
    for i in range(6):
        assert _code(await _login(stuffer, f"user{i}@test.hotel", "x")) == "INVALID_CREDENTIALS"
    refused = await _login(stuffer, "ana@test.hotel", PASSWORD)
    assert _code(refused) == "RATE_LIMITED" and refused["accessToken"] is None
    assert (await _login(at("198.51.100.21"), "ana@test.hotel", PASSWORD))["errors"] == []


async def test_concurrent_guesses_get_no_more_tries_than_the_limit(at):
    """The log-ins of one address are checked in turn, so a burst cannot race the counters,
    and a burst of right passwords (many clients behind one address) is not refused."""
    await make_account("ana@test.hotel", ["director"])
    address = at("203.0.113.10")
    logins = await asyncio.gather(
        *(_login(address, "ana@test.hotel", f"guess{i}") for i in range(12))
    )
    codes = sorted(_code(login) for login in logins)
    assert codes == ["INVALID_CREDENTIALS"] * 5 + ["RATE_LIMITED"] * 7
    assert await AuditEntry.filter(action="login", outcome="REJECTED").count() == 12

    await make_account("bob@test.hotel", ["booking_agent"])
    office = at("203.0.113.12")
    logins = await asyncio.gather(*(_login(office, "bob@test.hotel", PASSWORD) for _ in range(8)))
    assert [login["errors"] for login in logins] == [[]] * 8


async def test_failures_from_many_addresses_slow_the_account_down_without_locking_it(
    at, small_limits
):
    await make_account("ana@test.hotel", ["director"])
    botnet = [at(f"10.0.0.{i}") for i in range(1, 5)]
    for bot in botnet:  # four failures: the soft threshold, and a delay of 2 s begins
        assert _code(await _login(bot, "ana@test.hotel", "guess")) == "INVALID_CREDENTIALS"

    delays = []
    for bot in botnet[:3]:  # a bot that already failed must wait, and the wait doubles
        refused = await _login(bot, "ana@test.hotel", "guess")
        assert _code(refused) == "RATE_LIMITED"
        delays.append(refused["errors"][0]["retryAfterSeconds"])
        clock.advance(dt.timedelta(seconds=delays[-1]))
        assert _code(await _login(bot, "ana@test.hotel", "guess")) == "INVALID_CREDENTIALS"
    assert delays == [2, 4, 8]

    # The owner, from an address with no failures for the account, is not delayed.
    owner = await _login(at("198.51.100.22"), "ana@test.hotel", PASSWORD)
    assert owner["errors"] == [] and owner["accessToken"]

    # The delay is capped, and once it has passed a delayed address gets in with the password.
    for i in range(3):  # nine failures: 2 s doubled five times is 64 s, capped at 16 s
        await _login(at(f"10.0.1.{i}"), "ana@test.hotel", "guess")
    refused = await _login(botnet[3], "ana@test.hotel", PASSWORD)
    assert _code(refused) == "RATE_LIMITED"
    assert refused["errors"][0]["retryAfterSeconds"] == 16
    clock.advance(dt.timedelta(seconds=16))
    assert (await _login(botnet[3], "ana@test.hotel", PASSWORD))["errors"] == []


async def test_an_attack_is_announced_once_per_window(at, gql, person, small_limits):
    victim = await make_account("ana@test.hotel", ["director"])
    await make_account("bob@test.hotel", kind="GUEST")
    admin = await person("admin")
    for i in range(8):
        await _login(at(f"10.0.2.{i}"), "ana@test.hotel", "guess")
    for i in range(5):
        await _login(at(f"10.0.3.{i}"), "bob@test.hotel", "guess")

    owner_notes = await Notification.filter(account_id=victim.id, kind="LOGIN_FAILURES")
    assert len(owner_notes) == 1 and "4 failed log-ins" in owner_notes[0].body
    assert await Notification.filter(kind="LOGIN_FAILURES").count() == 3  # ana, bob, one admin
    seen = await gql(NOTIFICATIONS, token=admin.token)
    staff_notes = seen.data["notifications"]["edges"]
    assert [n["node"]["title"] for n in staff_notes] == ["Log-in attack suspected"]
    assert "ana@test.hotel" in staff_notes[0]["node"]["body"]

    clock.advance(dt.timedelta(minutes=15))  # a new window: the attack is announced again
    for i in range(4):
        await _login(at(f"10.0.4.{i}"), "ana@test.hotel", "guess")
    assert await Notification.filter(account_id=victim.id, kind="LOGIN_FAILURES").count() == 2
    assert await Notification.filter(account_id=admin.account.id).count() == 2


async def test_password_checks_do_not_block_the_event_loop(at):
    """Eight log-ins at once (argon2, ~130 ms each): the loop keeps ticking meanwhile. On the
    loop, the checks would hold it for nearly all of the time the log-ins take; the bound is
    loose because the machine running the tests may be busy with other work."""
    await make_account("ana@test.hotel", ["director"])
    blocked, running = 0.0, True

    async def ticker() -> None:
        nonlocal blocked
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            blocked += max(0.0, now - last - 0.025)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    logins = await asyncio.gather(
        *(_login(at(f"10.0.5.{i}"), "ana@test.hotel", PASSWORD) for i in range(8))
    )
    elapsed = time.perf_counter() - started
    running = False
    await ticking
    assert all(login["errors"] == [] for login in logins)
    assert blocked < 0.6 * elapsed, f"loop held {blocked:.2f} s of {elapsed:.2f} s"


async def test_an_unknown_account_takes_as_long_as_a_wrong_password(at):
    """Measured with production-strength hashing: with the test environment's cheapest
    parameters both answers take a few milliseconds and the comparison would be noise."""
    from authz import passwords

    passwords.configure(test_environment=False)
    try:
        await Account.create(
            email="ana@test.hotel", display_name="Ana", kind="STAFF", roles=["director"],
            password_hash=await passwords.hash_new_password(PASSWORD),
        )

        async def median_seconds(email: str) -> float:
            times = []
            for i in range(5):
                started = time.perf_counter()
                login = await _login(at(f"10.0.6.{i}"), email, "wrong-password")
                times.append(time.perf_counter() - started)
                assert _code(login) == "INVALID_CREDENTIALS"
            return sorted(times)[2]

        known = await median_seconds("ana@test.hotel")
        unknown = await median_seconds("nobody@test.hotel")
    finally:
        passwords.configure(test_environment=True)
    # Without the dummy hash an unknown account answers in a few milliseconds.
    assert unknown > known * 0.6, (known, unknown)


@needs_redis
async def test_a_successful_login_resets_its_counter_without_scanning_redis(at, runtime):
    """The counter runs under a Redis user that may not SCAN or KEYS: a log-in after failures
    must still succeed and leave no counter for the pair behind."""
    from redis.asyncio import Redis

    user, secret = f"hotel-test-noscan-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    await runtime.redis.acl_setuser(
        user, enabled=True, passwords=[f"+{secret}"], keys=["*"], channels=["*"],
        commands=["+@all", "-scan", "-keys"],
    )
    limited = Redis.from_url(runtime.settings.redis_url, username=user, password=secret)
    shared = ratelimit.counter
    ratelimit.use(ratelimit.RedisCounter(limited))
    try:
        await make_account("ana@test.hotel", ["director"])
        address = at("203.0.113.11")
        for _ in range(3):
            assert _code(await _login(address, "ana@test.hotel", "guess")) == "INVALID_CREDENTIALS"
        now, window = clock.now().timestamp(), sessions.throttle.window_seconds
        pair = ratelimit.RedisCounter.key_name(
            "login:pair:203.0.113.11:ana@test.hotel", int(now // window)
        )
        assert int(await runtime.redis.hget(pair, "n")) == 3
        assert (await _login(address, "ana@test.hotel", PASSWORD))["errors"] == []
        assert await runtime.redis.exists(pair) == 0
        account = await ratelimit.counter.state("login:account:ana@test.hotel", window, now)
        assert account.count == 3  # other addresses' failures stay counted for the account
    finally:
        ratelimit.use(shared)
        await limited.aclose()
        await runtime.redis.acl_deluser(user)
