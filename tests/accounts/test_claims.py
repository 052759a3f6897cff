"""Claiming the booking history of a phone booking (issue 9 item 0): a guest account proves the
e-mail address or phone number given with earlier bookings by a code sent there (e-mail or text
message through the outbox); only then do the bookings become the guest's own. The answer to a
claim request never says whether bookings exist."""

from __future__ import annotations

import datetime as dt

import pytest

from authz import tokens
from domain.clock import clock
from domain.models import AccountToken, Booking, OutboxEvent
from tests.accounts.conftest import code_in, messages
from tests.bookings.booking_support import book, make_hotel

CLAIM = """
mutation($input: ClaimBookingsInput!) { claimBookings(input: $input) {
  ok errors { field message code } } }"""
CONFIRM = """
mutation($code: String!) { confirmBookingClaim(input: {code: $code}) {
  claimedBookings errors { field message code } } }"""
MINE = "{ bookings(first: 10) { totalCount edges { node { number channel } } } }"

PHONE_GUEST = {"fullName": "Li Wei", "phone": "+86 138 0013 8000", "email": "li.wei@example.com"}
OTHER_GUEST = {"fullName": "Zhao Lei", "phone": "+86 137 1111 2222"}


async def _phone_bookings(gql, person) -> list[str]:
    """Two phone bookings of Li Wei and one of somebody else, taken by a booking agent."""
    hotel = await make_hotel(nights=30)
    agent = await person("booking_agent")
    numbers = []
    for nights, guest in ((2, PHONE_GUEST), (1, PHONE_GUEST), (3, OTHER_GUEST)):
        booking = await book(gql, agent.token, hotel.std, nights=nights, guest=guest)
        numbers.append(booking["number"])
    return numbers


async def _claim(gql, token: str, **given) -> dict:
    reply = await gql(CLAIM, {"input": given}, token=token)
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data["claimBookings"]


@pytest.mark.policy("P6.1.2")
async def test_a_guest_claims_phone_bookings_by_proving_the_phone(gql, person):
    numbers = await _phone_bookings(gql, person)
    guest = await person(kind="GUEST")
    assert (await gql(MINE, token=guest.token)).data["bookings"]["totalCount"] == 0
    sent_before = await OutboxEvent.filter(topic="account.claim_bookings").count()
    assert await _claim(gql, guest.token, phone="+8613800138000") == {"ok": True, "errors": []}
    [text] = await messages("account.claim_bookings")
    assert sent_before == 0 and text.destination == "SMS" and text.payload["to"] == "+8613800138000"
    # Nothing is linked before the code comes back.
    assert (await gql(MINE, token=guest.token)).data["bookings"]["totalCount"] == 0
    confirmed = await gql(CONFIRM, {"code": code_in(text).lower()}, token=guest.token)
    assert confirmed.data["confirmBookingClaim"] == {"claimedBookings": 2, "errors": []}
    mine = (await gql(MINE, token=guest.token)).data["bookings"]
    assert mine["totalCount"] == 2
    assert {e["node"]["number"] for e in mine["edges"]} == set(numbers[:2])
    claimed = await Booking.filter(claimed_by_account_id=guest.account.id).values_list(
        "number", flat=True
    )
    assert set(claimed) == set(numbers[:2])
    shown = await gql(
        "query($n: String!) { booking(number: $n) { number } }",
        {"n": numbers[0]},
        token=guest.token,
    )
    assert shown.data["booking"] == {"number": numbers[0]}
    again = await gql(CONFIRM, {"code": code_in(text)}, token=guest.token)
    assert again.data["confirmBookingClaim"]["errors"][0]["code"] == "TOKEN_USED"


async def test_a_guest_claims_by_e_mail_and_a_later_claim_takes_nothing(gql, person):
    await _phone_bookings(gql, person)
    first, second = await person(kind="GUEST"), await person(kind="GUEST")
    await _claim(gql, first.token, email="Li.Wei@Example.com")
    [mail] = await messages("account.claim_bookings")
    assert mail.destination == "EMAIL" and mail.payload["to"] == "Li.Wei@example.com"
    confirmed = await gql(CONFIRM, {"code": code_in(mail)}, token=first.token)
    assert confirmed.data["confirmBookingClaim"]["claimedBookings"] == 2
    # Everything of that address is claimed now: a second account gets no code, same answer.
    assert await _claim(gql, second.token, email="li.wei@example.com") == {
        "ok": True,
        "errors": [],
    }
    assert len(await messages("account.claim_bookings")) == 1
    assert (await gql(MINE, token=second.token)).data["bookings"]["totalCount"] == 0


async def test_a_claim_request_does_not_reveal_whether_bookings_exist(gql, person):
    await _phone_bookings(gql, person)
    guest = await person(kind="GUEST")
    with_bookings = await _claim(gql, guest.token, phone="+8613800138000")
    without = await _claim(gql, guest.token, phone="+8613999999999")
    assert with_bookings == without == {"ok": True, "errors": []}
    # Only the number with bookings is texted.
    assert [m.payload["to"] for m in await messages("account.claim_bookings")] == ["+8613800138000"]


async def test_a_code_is_bound_to_its_account_and_expires(gql, person):
    await _phone_bookings(gql, person)
    guest, thief = await person(kind="GUEST"), await person(kind="GUEST")
    await _claim(gql, guest.token, phone="+8613800138000")
    code = code_in((await messages("account.claim_bookings"))[0])
    stolen = await gql(CONFIRM, {"code": code}, token=thief.token)
    assert stolen.data["confirmBookingClaim"]["errors"][0]["code"] == "LINK_INVALID"
    clock.advance(dt.timedelta(minutes=30, seconds=1))
    later_session = await tokens.issue_session(guest.account)  # the first one's token expired
    late = await gql(CONFIRM, {"code": code}, token=later_session.access_token)
    assert late.data["confirmBookingClaim"]["errors"][0]["code"] == "LINK_EXPIRED"
    assert not await Booking.filter(claimed_by_account_id__isnull=False).exists()


async def test_wrong_codes_are_throttled(gql, person):
    guest = await person(kind="GUEST")
    for _ in range(5):
        wrong = await gql(CONFIRM, {"code": "AAAAA-BBBBB"}, token=guest.token)
        assert wrong.data["confirmBookingClaim"]["errors"][0]["code"] == "LINK_INVALID"
    refused = await gql(CONFIRM, {"code": "AAAAA-BBBBB"}, token=guest.token)
    assert refused.data["confirmBookingClaim"]["errors"][0]["code"] == "RATE_LIMITED"


async def test_bad_claim_input_writes_nothing(gql, person):
    guest = await person(kind="GUEST")
    for given, code in (
        ({}, "REQUIRED"),
        ({"email": "li.wei@example.com", "phone": "+8613800138000"}, "REQUIRED"),
        ({"phone": "12"}, "INVALID"),
        ({"email": "not-an-address"}, "INVALID"),
    ):
        payload = await _claim(gql, guest.token, **given)
        assert payload["ok"] is False and payload["errors"][0]["code"] == code
    assert not await AccountToken.all().exists()


async def test_only_guests_claim_bookings(gql, person, partner):
    staff = await person("cs_rep")
    _, secret = await partner(["bookings:read"])
    for token in (staff.token, secret):
        reply = await gql(CLAIM, {"input": {"phone": "+8613800138000"}}, token=token)
        assert reply.error_codes == ["FORBIDDEN"]
        assert (await gql(CONFIRM, {"code": "x"}, token=token)).error_codes == ["FORBIDDEN"]
    anonymous = await gql(CLAIM, {"input": {"phone": "+8613800138000"}})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    assert not await AccountToken.all().exists()
