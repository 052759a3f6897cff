"""Guest sign-up with e-mail verification (issue 9 item 0): the privacy notice accepted with its
version and recorded in the consent ledger, a single-use expiring code through the outbox, no
account until the address is verified, and answers that never reveal an existing account."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from tortoise import Tortoise

from domain.clock import clock
from domain.models import Account, AccountToken, ConsentRecord, ConsentState, OutboxEvent
from tests.accounts.conftest import LOGIN, NOTICE, SIGN_UP, VERIFY, code_in, messages
from tests.conftest import make_account

EMAIL = "mei.chen@example.com"


async def test_the_privacy_notice_is_public_with_a_version(gql):
    notice = (await gql(NOTICE)).data["privacyNotice"]
    assert notice["version"].startswith("N") and notice["summary"] and notice["fullText"]


async def test_sign_up_verify_then_log_in(gql, sign_up):
    assert await sign_up() == {"ok": True, "errors": []}
    # No account yet: the address is not proven, so a log-in fails like an unknown one.
    assert not await Account.filter(email=EMAIL).exists()
    refused = (await gql(LOGIN, {"email": EMAIL, "password": "a-long-enough-secret"})).data
    assert refused["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    [mail] = await messages("account.verify_email")
    assert mail.destination == "EMAIL" and mail.payload["to"] == EMAIL
    token = code_in(mail)
    # Only the token's hash is stored, and the pending sign-up (with its password hash) is
    # encrypted at rest.
    row = await AccountToken.get(purpose="SIGN_UP")
    assert row.token_hash != token and token not in row.token_hash
    conn = Tortoise.get_connection("default")
    _, raw = await conn.execute_query("SELECT details FROM account_token")
    assert EMAIL not in str(raw[0]["details"]) and "argon2" not in str(raw[0]["details"])

    verified = (await gql(VERIFY, {"token": token})).data["verifyEmail"]
    assert verified["errors"] == [] and verified["ok"] is True
    assert verified["viewer"]["kind"] == "GUEST" and verified["viewer"]["displayName"] == "Chen Mei"
    account = await Account.get(email=EMAIL)
    assert account.kind == "GUEST" and account.roles == [] and account.phone == "+8613900001111"
    _, raw = await conn.execute_query(
        "SELECT phone FROM account WHERE id = $1".replace("$1", str(account.id))
    )
    assert "13900001111" not in str(raw[0]["phone"])  # encrypted at rest
    # The consent to the privacy notice, with the version the guest accepted (P6.1.3).
    version = (await gql(NOTICE)).data["privacyNotice"]["version"]
    state = await ConsentState.get(account_id=account.id, purpose="PRIVACY_NOTICE")
    assert state.granted and state.notice_version == version and state.channel == "ONLINE"
    assert await ConsentRecord.filter(account_id=account.id, granted=True).count() == 1

    logged_in = (await gql(LOGIN, {"email": EMAIL, "password": "a-long-enough-secret"})).data
    assert logged_in["login"]["errors"] == [] and logged_in["login"]["accessToken"]
    me = await gql("{ me { kind email } }", token=logged_in["login"]["accessToken"])
    assert me.data["me"] == {"kind": "GUEST", "email": EMAIL}


async def test_a_verification_code_works_once(gql, sign_up):
    await sign_up()
    token = code_in((await messages("account.verify_email"))[0])
    assert (await gql(VERIFY, {"token": token})).data["verifyEmail"]["ok"] is True
    again = (await gql(VERIFY, {"token": token})).data["verifyEmail"]
    assert again["ok"] is False and again["errors"][0]["code"] == "TOKEN_USED"
    assert await Account.filter(email=EMAIL).count() == 1


async def test_an_expired_verification_code_creates_nothing(gql, sign_up):
    await sign_up()
    token = code_in((await messages("account.verify_email"))[0])
    clock.advance(dt.timedelta(hours=48, seconds=1))
    late = (await gql(VERIFY, {"token": token})).data["verifyEmail"]
    assert late["errors"][0]["code"] == "LINK_EXPIRED"
    assert not await Account.filter(email=EMAIL).exists()
    assert not await ConsentRecord.all().exists()
    unknown = (await gql(VERIFY, {"token": "made-up-token-value"})).data["verifyEmail"]
    assert unknown["errors"][0]["code"] == "LINK_INVALID"


async def test_sign_up_with_an_existing_address_answers_the_same(gql, sign_up):
    """The caller cannot tell; the owner is told by e-mail, and nothing of theirs changes."""
    owner = await make_account(EMAIL, kind="GUEST")
    fresh = await sign_up(email="someone.new@example.com")
    taken = await sign_up(email=EMAIL.upper())
    assert taken == fresh == {"ok": True, "errors": []}
    [note] = await messages("account.exists")
    assert note.payload["to"] == EMAIL
    assert [m.payload["to"] for m in await messages("account.verify_email")] == [
        "someone.new@example.com"
    ]
    assert (await Account.get(id=owner.id)).password_hash == owner.password_hash
    assert await Account.filter(email=EMAIL).count() == 1


async def test_two_pending_sign_ups_of_one_address_make_one_account(gql, sign_up):
    await sign_up()
    await sign_up(password="another-long-secret")
    first, second = [code_in(m) for m in await messages("account.verify_email")]
    assert (await gql(VERIFY, {"token": second})).data["verifyEmail"]["ok"] is True
    late = (await gql(VERIFY, {"token": first})).data["verifyEmail"]
    assert late["errors"][0]["code"] == "DUPLICATE"
    assert await Account.filter(email=EMAIL).count() == 1
    logged_in = (await gql(LOGIN, {"email": EMAIL, "password": "another-long-secret"})).data
    assert logged_in["login"]["errors"] == []


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"password": "short"}, "password", "INVALID"),
        ({"password": "x" * 257}, "password", "TOO_LONG"),
        ({"email": "not-an-address"}, "email", "INVALID"),
        ({"fullName": "   "}, "fullName", "REQUIRED"),
        ({"fullName": "n" * 121}, "fullName", "TOO_LONG"),
        ({"phone": "12"}, "phone", "INVALID"),
        ({"acceptedPrivacyNoticeVersion": ""}, "acceptedPrivacyNoticeVersion", "REQUIRED"),
        (
            {"acceptedPrivacyNoticeVersion": "N0000000000"},
            "acceptedPrivacyNoticeVersion",
            "STALE_NOTICE",
        ),
    ],
)
async def test_bad_sign_ups_write_nothing(gql, sign_up, given, field, code):
    payload = await sign_up(**given)
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert not await AccountToken.all().exists()
    assert not await OutboxEvent.all().exists()
    assert not await Account.filter(kind="GUEST").exists()


async def test_sign_ups_are_throttled_per_address_and_per_client(gql, sign_up):
    for _ in range(3):
        assert (await sign_up())["ok"] is True
    refused = await sign_up()
    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert len(await messages("account.verify_email")) == 3
    # Per client address: 10 requests in the window (the refused one included), whatever the
    # e-mail addresses.
    for n in range(6):
        assert (await sign_up(email=f"guest{n}@example.com"))["ok"] is True
    assert (await sign_up(email="one.more@example.com"))["errors"][0]["code"] == "RATE_LIMITED"
    clock.advance(dt.timedelta(minutes=15))  # the next window
    assert (await sign_up(email="one.more@example.com"))["ok"] is True


async def test_only_callers_without_a_log_in_sign_up(gql, person, partner):
    staff, guest = await person("admin"), await person(kind="GUEST")
    _, secret = await partner(["bookings:write"])
    version = (await gql(NOTICE)).data["privacyNotice"]["version"]
    request = {
        "email": EMAIL,
        "password": "a-long-enough-secret",
        "fullName": "Chen Mei",
        "acceptedPrivacyNoticeVersion": version,
    }
    for token in (staff.token, guest.token, secret):
        reply = await gql(SIGN_UP, {"input": request}, token=token)
        assert reply.error_codes == ["FORBIDDEN"], reply.body
    for token in (staff.token, secret):
        assert (await gql(VERIFY, {"token": "x" * 43}, token=token)).error_codes == ["FORBIDDEN"]
    # A guest may verify a sign-up while logged in on the same device.
    by_guest = (await gql(VERIFY, {"token": "x" * 43}, token=guest.token)).data["verifyEmail"]
    assert by_guest["errors"][0]["code"] == "LINK_INVALID"
    assert not await AccountToken.all().exists()
    assert (await gql(NOTICE, token=secret)).error_codes == ["FORBIDDEN"]


async def test_concurrent_verifications_make_one_account(gql, sign_up):
    await sign_up()
    await sign_up(password="another-long-secret")
    first, second = [code_in(m) for m in await messages("account.verify_email")]
    replies = await asyncio.gather(
        *(gql(VERIFY, {"token": token}) for token in (first, first, second, second))
    )
    payloads = [reply.data["verifyEmail"] for reply in replies]
    assert all(reply.status == 200 and not reply.errors for reply in replies)
    assert sum(p["ok"] for p in payloads) == 1
    assert {p["errors"][0]["code"] for p in payloads if not p["ok"]} <= {"TOKEN_USED", "DUPLICATE"}
    assert await Account.filter(email=EMAIL).count() == 1
    assert await ConsentRecord.all().count() == 1
