"""The identity cache of access tokens (issue 12): a request with a known session costs no SQL
statement for its caller's identity, and every change of access still takes effect: at once in
the process that made it, from another process's announcement (Redis), and after at most the
cache's lifetime for a change nobody announced."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from authz import tokens
from domain import broker
from domain.clock import clock
from domain.models import Account, RefreshToken
from tests.conftest import counting_queries, redis_broker
from tests.services import redis_missing

ME = "{ me { roles } }"
TYPENAME = "{ __typename }"


@pytest.fixture(autouse=True)
def _cache_on():
    """The cache with its production lifetime, empty before and after each test."""
    before = tokens.identity_cache.seconds
    tokens.identity_cache.seconds = 3.0
    tokens.identity_cache.clear()
    yield tokens.identity_cache
    tokens.identity_cache.seconds = before
    tokens.identity_cache.clear()


async def test_a_known_session_costs_no_statement(gql, person):
    agent = await person("booking_agent")
    first = await gql(TYPENAME, token=agent.token)
    assert first.status == 200 and first.data == {"__typename": "Query"}
    with counting_queries() as log:
        again = await gql(TYPENAME, token=agent.token)
    assert again.status == 200 and again.data == {"__typename": "Query"}
    assert [s for s in log.statements if "refresh_token" in s] == []


async def test_logout_takes_effect_at_once(gql, person):
    agent = await person("booking_agent")
    assert (await gql(TYPENAME, token=agent.token)).status == 200
    out = await gql("mutation { logout(input: {}) { ok errors { code } } }", token=agent.token)
    assert out.data["logout"]["ok"] is True
    refused = await gql(TYPENAME, token=agent.token)
    assert refused.status == 401 and refused.errors[0]["extensions"]["code"] == "TOKEN_REVOKED"
    assert await RefreshToken.filter(account_id=agent.account.id, revoked_at=None).count() == 0


async def test_an_announcement_from_another_process_evicts(gql, person):
    """What the Redis relay delivers for a change committed by another API process."""
    agent = await person("booking_agent")
    assert (await gql(ME, token=agent.token)).data["me"]["roles"] == ["booking_agent"]
    # Another process disabled the account and announced it: the row says so, the message
    # arrives here through the broker's fan-out.
    await Account.filter(id=agent.account.id).update(is_active=False)
    broker._run_hooks(f"account:{agent.account.id}")
    refused = await gql(ME, token=agent.token)
    assert refused.status == 401 and refused.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_unannounced_change_takes_effect_after_the_lifetime(gql, person, _cache_on):
    agent = await person("booking_agent")
    assert (await gql(ME, token=agent.token)).data["me"]["roles"] == ["booking_agent"]
    await RefreshToken.filter(account_id=agent.account.id).update(revoked_at=tokens.clock.now())
    # Within the lifetime the cached identity still answers (the price of no round trip)...
    assert (await gql(TYPENAME, token=agent.token)).status == 200
    # ...and once it is over the database is read again. The entry is aged rather than waited
    # for: no sleeps in tests.
    for key, (stored, identity) in list(_cache_on._entries.items()):
        _cache_on._entries[key] = (stored - _cache_on.seconds - 0.1, identity)
    refused = await gql(TYPENAME, token=agent.token)
    assert refused.status == 401 and refused.errors[0]["extensions"]["code"] == "TOKEN_REVOKED"


async def test_a_read_that_raced_with_a_revocation_is_not_kept(person, _cache_on):
    agent = await person("booking_agent")
    generation = _cache_on.generation
    identity = await tokens.authenticate_access_token(agent.token, fresh=True)
    _cache_on.forget(f"session:{identity.session}")  # announced while the read was running
    _cache_on.put(identity.session, agent.account.id, identity, generation)
    assert _cache_on.get(identity.session, agent.account.id) is None


async def test_role_changes_reach_the_cached_identity(gql, person):
    """authz.accounts announces `account:<id>` after committing roles (tests/test_staff_accounts.py
    covers the change itself); the cached identity then answers with the new roles."""
    agent = await person("booking_agent")
    assert (await gql(ME, token=agent.token)).data["me"]["roles"] == ["booking_agent"]
    await Account.filter(id=agent.account.id).update(roles=["cs_rep"])
    broker._run_hooks(f"account:{agent.account.id}")
    assert (await gql(ME, token=agent.token)).data["me"]["roles"] == ["cs_rep"]



@pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or "")
async def test_redis_relays_another_process_announcement(gql, person, runtime):
    async with redis_broker() as relay:
        agent = await person("booking_agent")
        assert (await gql(TYPENAME, token=agent.token)).status == 200
        await RefreshToken.filter(account_id=agent.account.id).update(
            revoked_at=tokens.clock.now()
        )
        # Subscribed before the other process speaks (a pub/sub message has no backlog).
        await asyncio.wait_for(relay._access_subscribed.wait(), timeout=5)
        # Another process's announcement: published on the channel, not through this process.
        await relay._redis.publish(broker.ACCESS_CHANNEL, f"account:{agent.account.id}")
        for _ in range(200):  # bounded: 2 s at most
            if (await gql(TYPENAME, token=agent.token)).status == 401:
                break
            await asyncio.sleep(0.01)
        refused = await gql(TYPENAME, token=agent.token)
    assert refused.status == 401 and refused.errors[0]["extensions"]["code"] == "TOKEN_REVOKED"


async def test_a_checked_signature_is_not_checked_again_but_the_token_still_is(gql, person):
    """The claims of a token whose signature was checked are kept by its text: a token differing
    in one character of its signature is still refused, an expired one still expires, and a new
    signing key forgets them all."""
    agent = await person("booking_agent")
    assert (await gql(TYPENAME, token=agent.token)).status == 200
    assert agent.token in tokens.verified_claims._claims
    head, _, signature = agent.token.rpartition(".")
    forged = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    refused = await gql(TYPENAME, token=forged)
    assert refused.status == 401 and refused.error_codes == ["UNAUTHENTICATED"]
    assert forged not in tokens.verified_claims._claims

    before = tokens._settings
    tokens.configure(tokens.TokenSettings(secret_key="another key, as after a rotation"))
    try:
        assert tokens.verified_claims._claims == {}
        rotated = await gql(TYPENAME, token=agent.token)
        assert rotated.status == 401 and rotated.error_codes == ["UNAUTHENTICATED"]
    finally:
        tokens.configure(before)

    assert (await gql(TYPENAME, token=agent.token)).status == 200
    clock.advance(dt.timedelta(minutes=16))
    expired = await gql(TYPENAME, token=agent.token)
    assert expired.status == 401 and expired.error_codes == ["TOKEN_EXPIRED"]
