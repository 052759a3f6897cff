"""Password change and reset for guests and staff (issue 9 item 0): the current password is
required and other sessions end; a reset is requested with the same answer whether or not the
address has an account, works once and before it expires, and ends every session."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import Account, AccountToken, AuditEntry, OutboxEvent, RefreshToken
from tests.accounts.conftest import LOGIN, NEW_PASSWORD, REFRESH, code_in, messages
from tests.conftest import PASSWORD, serving
from tests.test_live_sockets import PATIENCE, Socket

CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    ok sessionsEnded errors { field message code } } }"""
REQUEST = """
mutation($email: String!) { requestPasswordReset(input: {email: $email}) {
  ok errors { field message code } } }"""
RESET = """
mutation($token: String!, $new: String!) {
  resetPassword(input: {token: $token, newPassword: $new}) { ok errors { field message code } } }"""


async def _logs_in(gql, email: str, password: str) -> bool:
    reply = await gql(LOGIN, {"email": email, "password": password})
    return reply.data["login"]["errors"] == []


@pytest.mark.parametrize("kind", ["GUEST", "STAFF"])
async def test_change_password_ends_the_other_sessions(gql, person, kind):
    someone = await person("cs_rep" if kind == "STAFF" else None, kind=kind)
    other = await tokens.issue_session(someone.account)
    third = await tokens.issue_session(someone.account)
    changed = await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=someone.token)
    assert changed.data["changePassword"] == {"ok": True, "sessionsEnded": 2, "errors": []}
    # The other sessions are over: their refresh tokens and access tokens stop working.
    for ended in (other, third):
        refused = (await gql(REFRESH, {"t": ended.refresh_token})).data["refreshToken"]
        assert refused["errors"][0]["code"] == "TOKEN_REVOKED"
        assert (await gql("{ me { id } }", token=ended.access_token)).error_codes == [
            "TOKEN_REVOKED"
        ]
    # The session that changed it goes on.
    assert (await gql("{ me { kind } }", token=someone.token)).data["me"]["kind"] == kind
    kept = (await gql(REFRESH, {"t": someone.refresh_token})).data["refreshToken"]
    assert kept["errors"] == []
    assert await RefreshToken.filter(account_id=someone.account.id, revoked_at=None).count() >= 1
    assert await _logs_in(gql, someone.account.email, NEW_PASSWORD)
    assert not await _logs_in(gql, someone.account.email, PASSWORD)
    assert await AuditEntry.filter(action="changePassword", outcome="SUCCESS").count() == 1


async def test_a_wrong_current_password_changes_nothing_and_is_throttled(gql, person):
    guest = await person(kind="GUEST")
    other = await tokens.issue_session(guest.account)
    for _ in range(5):
        wrong = await gql(
            CHANGE, {"current": "not-my-password", "new": NEW_PASSWORD}, token=guest.token
        )
        assert wrong.data["changePassword"]["errors"] == [
            {
                "field": "currentPassword",
                "message": "The current password is wrong.",
                "code": "INVALID_CREDENTIALS",
            }
        ]
    refused = await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=guest.token)
    assert refused.data["changePassword"]["errors"][0]["code"] == "RATE_LIMITED"
    assert (await Account.get(id=guest.account.id)).password_hash == guest.account.password_hash
    assert (await gql(REFRESH, {"t": other.refresh_token})).data["refreshToken"]["errors"] == []


@pytest.mark.parametrize(
    ("new", "code"),
    [("short", "INVALID"), ("y" * 300, "TOO_LONG"), (PASSWORD, "INVALID")],
)
async def test_a_weak_or_unchanged_new_password_is_refused(gql, person, new, code):
    guest = await person(kind="GUEST")
    reply = await gql(CHANGE, {"current": PASSWORD, "new": new}, token=guest.token)
    assert [(e["field"], e["code"]) for e in reply.data["changePassword"]["errors"]] == [
        ("newPassword", code)
    ]
    assert (await Account.get(id=guest.account.id)).password_hash == guest.account.password_hash


async def test_anonymous_callers_and_partners_cannot_change_a_password(gql, partner):
    _, secret = await partner(["bookings:read"])
    anonymous = await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    by_partner = await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=secret)
    assert by_partner.error_codes == ["FORBIDDEN"]
    assert (await gql(REQUEST, {"email": "a@b.cd"}, token=secret)).error_codes == ["FORBIDDEN"]
    reset = await gql(RESET, {"token": "t", "new": NEW_PASSWORD}, token=secret)
    assert reset.error_codes == ["FORBIDDEN"]
    assert not await AccountToken.all().exists()


async def test_reset_answers_the_same_for_unknown_and_known_addresses(gql, person):
    staff = await person("booking_agent")
    known = await gql(REQUEST, {"email": staff.account.email.upper()})
    unknown = await gql(REQUEST, {"email": "nobody@test.hotel"})
    assert known.status == unknown.status == 200
    assert (
        known.body == unknown.body == {"data": {"requestPasswordReset": {"ok": True, "errors": []}}}
    )
    # The same work either way (a token row each); only the account's owner gets an e-mail.
    assert await AccountToken.filter(purpose="RESET_PASSWORD").count() == 2
    [mail] = await messages("account.password_reset")
    assert mail.payload["to"] == staff.account.email


async def test_reset_sets_the_password_once_and_ends_every_session(gql, person):
    guest = await person(kind="GUEST")
    other = await tokens.issue_session(guest.account)
    await gql(REQUEST, {"email": guest.account.email})
    token = code_in((await messages("account.password_reset"))[0])
    reset = await gql(RESET, {"token": token, "new": NEW_PASSWORD})
    assert reset.data["resetPassword"] == {"ok": True, "errors": []}
    for ended in (guest, other):
        refused = (await gql(REFRESH, {"t": ended.refresh_token})).data["refreshToken"]
        assert refused["errors"][0]["code"] == "TOKEN_REVOKED"
    assert await _logs_in(gql, guest.account.email, NEW_PASSWORD)
    again = await gql(RESET, {"token": token, "new": "yet-another-secret-1"})
    assert again.data["resetPassword"]["errors"][0]["code"] == "TOKEN_USED"
    assert await _logs_in(gql, guest.account.email, NEW_PASSWORD)


async def test_a_reset_code_expires_and_a_newer_reset_retires_older_codes(gql, person):
    guest = await person(kind="GUEST")
    await gql(REQUEST, {"email": guest.account.email})
    clock.advance(dt.timedelta(minutes=60, seconds=1))
    late_code = code_in((await messages("account.password_reset"))[0])
    late = await gql(RESET, {"token": late_code, "new": NEW_PASSWORD})
    assert late.data["resetPassword"]["errors"][0]["code"] == "LINK_EXPIRED"
    await gql(REQUEST, {"email": guest.account.email})
    await gql(REQUEST, {"email": guest.account.email})
    first, second = [code_in(m) for m in (await messages("account.password_reset"))[1:]]
    assert (await gql(RESET, {"token": second, "new": NEW_PASSWORD})).data["resetPassword"]["ok"]
    stale = await gql(RESET, {"token": first, "new": "yet-another-secret-1"})
    assert stale.data["resetPassword"]["errors"][0]["code"] == "TOKEN_USED"
    assert (await Account.get(id=guest.account.id)).password_hash != guest.account.password_hash


async def test_bad_reset_input_writes_nothing(gql, person):
    guest = await person(kind="GUEST")
    bad = await gql(REQUEST, {"email": "not an address"})
    assert bad.data["requestPasswordReset"]["errors"][0]["code"] == "INVALID"
    await gql(REQUEST, {"email": guest.account.email})
    token = code_in((await messages("account.password_reset"))[0])
    weak = await gql(RESET, {"token": token, "new": "short"})
    assert weak.data["resetPassword"]["errors"][0]["code"] == "INVALID"
    unknown = await gql(RESET, {"token": "no-such-code-anywhere", "new": NEW_PASSWORD})
    assert unknown.data["resetPassword"]["errors"][0]["code"] == "LINK_INVALID"
    assert (await Account.get(id=guest.account.id)).password_hash == guest.account.password_hash
    # The code still works: refused attempts did not use it.
    assert (await gql(RESET, {"token": token, "new": NEW_PASSWORD})).data["resetPassword"]["ok"]


async def test_reset_requests_are_throttled_alike_for_known_and_unknown_addresses(gql, person):
    guest = await person(kind="GUEST")
    for email in (guest.account.email, "nobody@test.hotel"):
        answers = [
            (await gql(REQUEST, {"email": email})).data["requestPasswordReset"] for _ in range(4)
        ]
        assert [a["ok"] for a in answers] == [True, True, True, False]
        assert answers[3]["errors"][0]["code"] == "RATE_LIMITED"
    assert len(await messages("account.password_reset")) == 3
    assert await OutboxEvent.filter(topic="account.password_reset").count() == 3


@pytest.fixture
async def url(app):
    async with serving(app) as address:
        yield f"ws://{address}/graphql"


async def test_a_password_change_closes_the_other_sessions_sockets(url, gql, person):
    guest = await person(kind="GUEST")
    other = await tokens.issue_session(guest.account)
    mine = await Socket.open(url, guest.token)
    theirs = await Socket.open(url, other.access_token)
    started = time.monotonic()
    changed = await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=guest.token)
    assert changed.data["changePassword"]["sessionsEnded"] == 1
    closed = await theirs.closing()  # no operation sent: the announcement closes it
    assert (closed.code, closed.reason) == (4401, "TOKEN_REVOKED")
    assert time.monotonic() - started < PATIENCE
    assert (await mine.run("{ me { kind } }"))["data"] == {"me": {"kind": "GUEST"}}
    await mine.close()
