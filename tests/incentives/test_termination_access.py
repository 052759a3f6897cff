"""A contract termination ends the staff member's access once a second person confirms it: the
account is disabled, every session and API token of it is revoked (announced, so the identity
cache forgets it at once), the employment record ends, and the trail says so. Until then, and
after a refusal, the account works as before."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import Account, ApiToken, AuditEntry, Employment, IncentiveEntry, RefreshToken
from domain.organisation import ensure_structure
from tests.conftest import PASSWORD
from tests.dual_review_support import confirm_through_api
from tests.incentives.support import IMPOSE, PERIOD, call, staff_gid
from tests.organisation.support import team

ME = "{ me { roles } }"
TYPENAME = "{ __typename }"
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  accessToken refreshToken errors { code } } }"""
REFRESH = """mutation($r: String!) { refreshToken(input: {refreshToken: $r}) {
  accessToken errors { code } } }"""
REJECT = """mutation($id: ID!) { rejectOperation(input: {operationId: $id, reason: "too harsh"})
  { operation { status } errors { code } } }"""


@pytest.fixture(autouse=True)
async def _structure_and_cache():
    """The organisation's structure (for employment records) and the identity cache with its
    production lifetime: a revocation must reach it through the announcement, not by age."""
    await ensure_structure()
    before = tokens.identity_cache.seconds
    tokens.identity_cache.seconds = 3.0
    tokens.identity_cache.clear()
    yield
    tokens.identity_cache.seconds = before
    tokens.identity_cache.clear()


async def _terminate(gql, hr, who) -> dict:
    values = {
        "input": {
            "staffId": staff_gid(who),
            "kind": "CONTRACT_TERMINATED",
            "reason": "Took guests' cash",
            **PERIOD,
        }
    }
    payload = await call(gql, IMPOSE, values, hr.token, "imposePenalty")
    assert payload["errors"] == [] and payload["entry"]["status"] == "PENDING_REVIEW"
    return payload["pendingOperation"]


def _refused_with(reply) -> str:
    assert reply.status == 401, reply.body
    return reply.errors[0]["extensions"]["code"]


async def _works(gql, token: str) -> None:
    reply = await gql(ME, token=token)
    assert reply.status == 200 and reply.data["me"]["roles"] == ["booking_agent"], reply.body


@pytest.mark.policy("P5.2.2")
async def test_a_confirmed_termination_ends_every_way_in_of_the_staff_member(gql, person):
    t = await team(gql, person)
    agent = t.agent
    # A second session (a log-in) and an API token the agent made, besides the fixture's session.
    login = (await gql(LOGIN, {"e": agent.account.email, "p": PASSWORD})).data["login"]
    assert login["errors"] == []
    _, api_secret = await tokens.issue_api_token(
        "Agent's script", ["bookings:read"], clock.now() + dt.timedelta(days=30), agent.account.id
    )
    assert (await gql(TYPENAME, token=api_secret)).status == 200

    pending = await _terminate(gql, t.hr, agent)
    # Pending review: nothing changed yet (and the identity is now cached).
    for token in (agent.token, login["accessToken"]):
        await _works(gql, token)
        await _works(gql, token)
    again = (await gql(LOGIN, {"e": agent.account.email, "p": PASSWORD})).data["login"]
    assert again["errors"] == [] and again["accessToken"]
    assert (await Account.get(id=agent.account.id)).is_active

    confirmed = await confirm_through_api(gql, pending, t.director.token)
    assert confirmed["errors"] == [] and confirmed["operation"]["status"] == "EXECUTED"
    assert json.loads(confirmed["operation"]["result"])["accountDisabled"] is True

    # Every access token of every session is refused at once, cached or not, with the reason:
    # the account is disabled.
    for token in (agent.token, login["accessToken"], again["accessToken"]):
        assert _refused_with(await gql(ME, token=token)) == "UNAUTHENTICATED"
    assert _refused_with(await gql(TYPENAME, token=api_secret)) == "TOKEN_REVOKED"
    refreshed = (await gql(REFRESH, {"r": agent.refresh_token})).data["refreshToken"]
    assert refreshed["accessToken"] is None and refreshed["errors"]
    refused = (await gql(LOGIN, {"e": agent.account.email, "p": PASSWORD})).data["login"]
    assert refused["accessToken"] is None
    assert refused["errors"] == [{"code": "INVALID_CREDENTIALS"}]

    # The database: account disabled, nothing left alive, employment ended, entry in effect.
    assert not (await Account.get(id=agent.account.id)).is_active
    assert await RefreshToken.filter(account_id=agent.account.id, revoked_at=None).count() == 0
    assert await ApiToken.filter(created_by_id=agent.account.id, revoked_at=None).count() == 0
    employment = await Employment.get(account_id=agent.account.id)
    assert employment.active is False
    entry = await IncentiveEntry.get()
    assert (entry.status, entry.confirmed_by_account_id) == ("IN_EFFECT", t.director.account.id)
    # The trail: the confirmation and, in the same unit of work, the disabled account.
    confirm_entry = await AuditEntry.get(action="confirmOperation", outcome="SUCCESS")
    disabled = await AuditEntry.get(action="disableStaffAccount")
    assert (disabled.subject_type, disabled.subject_id) == ("Account", str(agent.account.id))
    assert disabled.actor_id == confirm_entry.actor_id
    assert disabled.request_id == confirm_entry.request_id
    assert f"incentive entry {entry.id}" in disabled.detail
    assert "3 sessions ended" in disabled.detail
    # The others of the team still work.
    assert (await gql(ME, token=t.hr.token)).status == 200


@pytest.mark.policy("P5.2.2")
async def test_a_rejected_termination_leaves_the_account_and_employment_alone(gql, person):
    t = await team(gql, person)
    other_director = await person("director")
    pending = await _terminate(gql, t.hr, t.agent)
    await _works(gql, t.agent.token)
    reply = await gql(REJECT, {"id": pending["id"]}, token=other_director.token)
    assert reply.data["rejectOperation"]["errors"] == []
    assert (await IncentiveEntry.get()).status == "REJECTED"
    await _works(gql, t.agent.token)
    login = (await gql(LOGIN, {"e": t.agent.account.email, "p": PASSWORD})).data["login"]
    assert login["errors"] == [] and login["accessToken"]
    assert (await Account.get(id=t.agent.account.id)).is_active
    assert await RefreshToken.filter(account_id=t.agent.account.id, revoked_at=None).count() == 2
    assert (await Employment.get(account_id=t.agent.account.id)).active is True
    assert not await AuditEntry.filter(action="disableStaffAccount").exists()
