"""Log-in, refresh rotation, log-out, throttling, request budgets and partner API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from strawberry.relay import to_base64

from domain.clock import clock
from domain.models import ApiToken, AuditEntry, RefreshToken
from tests.conftest import PASSWORD, make_account
from tests.dual_review_support import confirm_through_api

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    accessToken refreshToken expiresAt
    viewer { id email displayName roles kind }
    errors { field message code }
  }
}"""
REFRESH = """
mutation($t: String!) { refreshToken(input: {refreshToken: $t}) {
  accessToken refreshToken errors { code field } } }"""
ME = "{ me { email roles kind displayName } }"


async def test_login_issues_tokens_and_me_answers(gql):
    await make_account("ana@test.hotel", ["director"])
    reply = await gql(LOGIN, {"email": "ANA@test.hotel ", "password": PASSWORD})
    login = reply.data["login"]
    assert login["errors"] == []
    assert login["viewer"]["roles"] == ["director"]
    assert login["viewer"]["kind"] == "STAFF"
    me = await gql(ME, token=login["accessToken"])
    assert me.data["me"]["email"] == "ana@test.hotel"
    entry = await AuditEntry.filter(action="login").first()
    assert entry.outcome == "SUCCESS"


async def test_wrong_password_is_a_payload_error_and_audited(gql):
    await make_account("ana@test.hotel", ["director"])
    reply = await gql(LOGIN, {"email": "ana@test.hotel", "password": "nope"})
    assert reply.status == 200
    assert reply.data["login"]["accessToken"] is None
    assert reply.data["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert await AuditEntry.filter(action="login", outcome="REJECTED").count() == 1


async def test_unknown_account_gets_the_same_answer(gql):
    reply = await gql(LOGIN, {"email": "ghost@test.hotel", "password": "nope"})
    assert reply.data["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_failed_logins_are_throttled_per_address_and_account(gql):
    # Only the address that failed is refused; other addresses: tests/test_login_throttling.py.
    await make_account("ana@test.hotel", ["director"])
    for _ in range(5):
        await gql(LOGIN, {"email": "ana@test.hotel", "password": "wrong"})
    reply = await gql(LOGIN, {"email": "ana@test.hotel", "password": PASSWORD})
    error = reply.data["login"]["errors"][0]
    assert error["code"] == "RATE_LIMITED"
    assert "try again in" in error["message"]
    clock.advance(dt.timedelta(minutes=16))
    reply = await gql(LOGIN, {"email": "ana@test.hotel", "password": PASSWORD})
    assert reply.data["login"]["errors"] == []


async def test_aliased_logins_in_one_request_are_throttled(gql):
    await make_account("ana@test.hotel", ["director"])
    fields = " ".join(
        f'a{i}: login(input: {{email: "ana@test.hotel", password: "guess{i}"}}) '
        "{ accessToken errors { code } }"
        for i in range(8)
    )
    reply = await gql(f"mutation {{ {fields} }}")
    codes = [reply.data[f"a{i}"]["errors"][0]["code"] for i in range(8)]
    assert codes[:5] == ["INVALID_CREDENTIALS"] * 5
    assert codes[5:] == ["RATE_LIMITED"] * 3


async def test_failed_logins_are_throttled_per_client_address(gql):
    for i in range(20):
        await gql(LOGIN, {"email": f"nobody{i}@test.hotel", "password": "x"})
    await make_account("ana@test.hotel", ["director"])
    reply = await gql(LOGIN, {"email": "ana@test.hotel", "password": PASSWORD})
    assert reply.data["login"]["errors"][0]["code"] == "RATE_LIMITED"


async def test_refresh_rotates_and_reuse_revokes_the_family(gql, person):
    staff = await person("director")
    first = await gql(REFRESH, {"t": staff.refresh_token})
    rotated = first.data["refreshToken"]
    assert rotated["errors"] == [] and rotated["refreshToken"] != staff.refresh_token
    replay = await gql(REFRESH, {"t": staff.refresh_token})
    assert replay.data["refreshToken"]["errors"][0]["code"] == "TOKEN_REVOKED"
    # The thief's replay also ended the legitimate holder's session.
    after = await gql(REFRESH, {"t": rotated["refreshToken"]})
    assert after.data["refreshToken"]["errors"][0]["code"] == "TOKEN_REVOKED"
    me = await gql(ME, token=rotated["accessToken"])
    assert me.status == 401 and me.error_codes == ["TOKEN_REVOKED"]


async def test_logout_revokes_the_session(gql, person):
    staff = await person("booking_agent")
    reply = await gql("mutation { logout(input: {}) { ok errors { code } } }", token=staff.token)
    assert reply.data["logout"]["ok"] is True
    assert await RefreshToken.filter(account_id=staff.account.id, revoked_at=None).count() == 0
    me = await gql(ME, token=staff.token)
    assert me.status == 401


async def test_expired_access_token_is_refused(gql, person):
    staff = await person("cs_rep")
    clock.advance(dt.timedelta(minutes=16))
    reply = await gql(ME, token=staff.token)
    assert reply.status == 401 and reply.error_codes == ["TOKEN_EXPIRED"]
    assert "Traceback" not in str(reply.body)


async def test_garbage_token_and_scheme_are_refused(gql):
    assert (await gql(ME, token="not.a.jwt")).status == 401
    reply = await gql(ME, headers={"Authorization": "Basic abc"})
    assert reply.status == 401 and reply.error_codes == ["UNAUTHENTICATED"]


CREATE_TOKEN = """
mutation($name: String!, $scopes: [String!]!, $exp: DateTime!) {
  createApiToken(input: {name: $name, scopes: $scopes, expiresAt: $exp}) {
    apiToken { id name scopes expiresAt } secret pendingOperation { id argumentsDigest arguments }
    errors { field code }
  }
}"""


@pytest.mark.policy("P6.2.3")
async def test_admin_creates_api_token_shown_once_and_stored_hashed(gql, person):
    admin, second_admin = await person("admin"), await person("admin")
    reply = await gql(
        CREATE_TOKEN,
        {"name": "Ctrip", "scopes": ["bookings:write"], "exp": "2027-01-01T00:00:00+00:00"},
        token=admin.token,
    )
    payload = reply.data["createApiToken"]
    secret = payload["secret"]
    assert payload["errors"] == [] and secret.startswith("hpt_")
    # A write scope: the secret is the maker's, the token exists once a second admin confirms.
    assert payload["apiToken"] is None and "(hidden)" in payload["pendingOperation"]["arguments"]
    assert (await gql("{ me { kind } }", token=secret)).status == 401
    confirmed = await confirm_through_api(gql, payload["pendingOperation"], second_admin.token)
    assert confirmed["errors"] == []
    row = await ApiToken.get(name="Ctrip")
    payload["apiToken"] = {"id": to_base64("ApiToken", row.id)}
    assert secret.split("_", 2)[2] not in (row.secret_hash, row.prefix)
    me = await gql("{ me { kind displayName scopes } }", token=secret)
    assert me.data["me"] == {
        "kind": "PARTNER",
        "displayName": "Ctrip",
        "scopes": ["bookings:write"],
    }
    revoked = await gql(
        "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }",
        {"id": payload["apiToken"]["id"]},
        token=admin.token,
    )
    assert revoked.data["revokeApiToken"]["errors"] == []
    after = await gql("{ me { kind } }", token=secret)
    assert after.status == 401 and after.error_codes == ["TOKEN_REVOKED"]


async def test_api_token_input_is_validated(gql, person):
    admin = await person("admin")
    reply = await gql(
        CREATE_TOKEN,
        {"name": "X", "scopes": ["everything"], "exp": "2027-01-01T00:00:00+00:00"},
        token=admin.token,
    )
    assert reply.data["createApiToken"]["errors"] == [{"field": "scopes", "code": "INVALID"}]
    past = await gql(
        CREATE_TOKEN,
        {"name": "X", "scopes": ["bookings:read"], "exp": "2020-01-01T00:00:00+00:00"},
        token=admin.token,
    )
    assert past.data["createApiToken"]["errors"][0]["field"] == "expiresAt"
    assert await ApiToken.all().count() == 0


@pytest.mark.parametrize("role", ["director", "booking_agent", "auditor"])
async def test_only_admin_creates_api_tokens(gql, person, role):
    someone = await person(role)
    reply = await gql(
        CREATE_TOKEN,
        {"name": "X", "scopes": ["bookings:read"], "exp": "2027-01-01T00:00:00+00:00"},
        token=someone.token,
    )
    assert reply.error_codes == ["FORBIDDEN"]
    assert await ApiToken.all().count() == 0
    assert await AuditEntry.filter(action="createApiToken", outcome="DENIED").count() == 1


async def test_expired_api_token_is_refused(gql, partner):
    _, secret = await partner(["bookings:read"])
    clock.advance(dt.timedelta(days=31))
    reply = await gql("{ me { kind } }", token=secret)
    assert reply.status == 401 and reply.error_codes == ["TOKEN_EXPIRED"]


async def test_request_budget_answers_rate_limited_with_retry_after(gql, person):
    staff = await person("cs_rep", request_budget=3)
    for _ in range(3):
        assert (await gql(ME, token=staff.token)).status == 200
    reply = await gql(ME, token=staff.token)
    assert reply.status == 429
    assert reply.error_codes == ["RATE_LIMITED"]
    retry = int(reply.headers["retry-after"])
    assert 0 < retry <= 60
    assert reply.errors[0]["extensions"]["retryAfter"] == retry


async def test_tokens_follow_the_injected_clock_not_the_wall_clock(gql, person):
    clock.advance(dt.timedelta(days=400))
    staff = await person("cs_rep")
    assert (await gql(ME, token=staff.token)).status == 200


async def test_only_the_test_environment_hashes_passwords_cheaply():
    from authz import passwords

    try:
        passwords.configure(test_environment=False)
        strong = await passwords.hash_new_password(PASSWORD)
    finally:
        passwords.configure(test_environment=True)
    cheap = await passwords.hash_new_password(PASSWORD)
    assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert cheap.startswith("$argon2id$") and "m=65536" not in cheap
    assert await passwords.password_matches(strong, PASSWORD)
    assert await passwords.password_matches(cheap, PASSWORD)


def test_the_identity_cache_lifetime_is_a_setting(monkeypatch, runtime, settings):
    """IDENTITY_CACHE_SECONDS reaches the cache of every process the runtime starts."""
    from pydantic import ValidationError

    from authz import tokens
    from server.settings import Settings

    assert tokens.identity_cache.seconds == settings.identity_cache_seconds == 3.0
    monkeypatch.setenv("IDENTITY_CACHE_SECONDS", "0.5")
    assert Settings().identity_cache_seconds == 0.5
    for refused in ("-1", "61", "soon"):
        monkeypatch.setenv("IDENTITY_CACHE_SECONDS", refused)
        with pytest.raises(ValidationError):
            Settings()
