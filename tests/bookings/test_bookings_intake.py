"""Booking intake through the API (P3.1.1: phone, online, walk-in and partner channels, a
booking number generated; P3.1.2: members verified, non-members fill in a profile; P3.1.3: a
voucher on confirmation; P6.1.1: terms shown and accepted). Refused input is a payload error
with a code and a field, and nothing is written; idempotency keys make retries safe."""

from __future__ import annotations

import asyncio
import re

import pytest
from booking_support import (
    CREATE,
    GUEST,
    TODAY,
    D,
    assert_inventory_consistent,
    book,
    booking_input,
    create,
    sold,
)

from domain.models import Booking, GuestProfile, IdempotencyRecord, OutboxEvent
from tests.dual_review_support import set_parameter_reviewed

NUMBER = re.compile(r"^B20261128-[0-9A-HJKMNP-TV-Z]{5}$")


@pytest.mark.policy("P6.1.1")
async def test_room_types_availability_and_terms_are_public(gql, hotel):
    reply = await gql(
        """query($in: Date!, $out: Date!) {
          roomTypes { id code name capacity baseRate currency }
          availability(checkIn: $in, checkOut: $out, guests: 3) {
            roomType { code } available nightlyRates { date amount } totalAmount currency }
          bookingTerms { version summary fullText cancellationGraceHours
                         refundRules { code title description } }
        }""",
        {"in": (TODAY + D(days=3)).isoformat(), "out": (TODAY + D(days=5)).isoformat()},
    )
    assert reply.errors == []
    data = reply.data
    assert [t["code"] for t in data["roomTypes"]] == ["STD", "DLX", "STE", "ONE"]
    assert data["roomTypes"][0]["baseRate"] == "500.00"
    # Only the room types that take three guests, each with its nightly rates and total.
    offers = {o["roomType"]["code"]: o for o in data["availability"]}
    assert sorted(offers) == ["DLX", "STE"]
    assert offers["DLX"]["available"] == 3
    assert offers["DLX"]["nightlyRates"] == [
        {"date": (TODAY + D(days=3)).isoformat(), "amount": "800.00"},
        {"date": (TODAY + D(days=4)).isoformat(), "amount": "800.00"},
    ]
    assert (offers["DLX"]["totalAmount"], offers["DLX"]["currency"]) == ("1600.00", "CNY")
    terms = data["bookingTerms"]
    assert terms["cancellationGraceHours"] == 24
    assert "Free cancellation until 24 hours" in terms["summary"]
    assert {r["code"] for r in terms["refundRules"]} >= {"FREE_CANCELLATION", "NO_SHOW"}


@pytest.mark.parametrize(
    ("check_in", "check_out", "field", "reason"),
    [
        (12, 12, "checkOut", "INVALID"),
        (12, 10, "checkOut", "INVALID"),
        (-1, 2, "checkIn", "OUT_OF_RANGE"),
        (1, 32, "checkOut", "OUT_OF_RANGE"),
    ],
)
async def test_availability_for_impossible_dates_is_a_bad_request(
    gql, hotel, check_in, check_out, field, reason
):
    reply = await gql(
        "query($in: Date!, $out: Date!) { availability(checkIn: $in, checkOut: $out) "
        "{ available } }",
        {
            "in": (TODAY + D(days=check_in)).isoformat(),
            "out": (TODAY + D(days=check_out)).isoformat(),
        },
    )
    assert reply.status == 200 and reply.error_codes == ["BAD_REQUEST"]
    assert reply.errors[0]["extensions"]["field"] == field
    assert reply.errors[0]["extensions"]["reason"] == reason


@pytest.mark.policy("P3.1.1")
@pytest.mark.policy("P3.1.3")
@pytest.mark.parametrize("channel", ["PHONE", "WALK_IN"])
async def test_an_agent_takes_a_phone_or_walk_in_booking(gql, hotel, staff, channel):
    agent = await staff("booking_agent")
    guest = {**GUEST, "idDocumentNumber": "G12345678"}
    booking = await book(
        gql, agent.token, hotel.std, channel=channel, guest=guest, specialRequests=" Late arrival "
    )
    assert NUMBER.match(booking["number"]), booking["number"]
    assert (booking["channel"], booking["status"]) == (channel, "CONFIRMED")
    assert (booking["nights"], booking["totalAmount"], booking["currency"]) == (2, "1000.00", "CNY")
    assert booking["specialRequests"] == "Late arrival"
    assert booking["guest"] == {
        "fullName": "Li Wei",
        "phone": "+8613800138000",
        "email": "li.wei@example.com",
        "idDocumentNumber": "G12345678",
    }
    assert booking["member"] is None
    assert booking["voucher"]["code"].startswith(booking["number"] + ".")
    assert booking["roomType"]["code"] == "STD"
    # Confirmation told the guest (voucher by e-mail and SMS) and the PMS, in the same commit.
    topics = await OutboxEvent.filter(topic="booking.confirmed").values_list(
        "destination", flat=True
    )
    assert sorted(topics) == ["EMAIL", "PMS_WEBHOOK", "SMS"]
    assert await sold(hotel.pks["STD"], TODAY + D(days=10)) == 1


@pytest.mark.policy("P3.1.1")
@pytest.mark.policy("P3.1.2")
async def test_a_member_books_online_with_points(gql, hotel, guest):
    me = await guest(member=True, points=50_000)
    booking = await book(
        gql, me.token, hotel.std, channel="ONLINE", guest=None, pointsToRedeem=20_000
    )
    assert (booking["channel"], booking["status"]) == ("ONLINE", "CONFIRMED")
    assert booking["member"]["pointsBalance"] == 30_000
    assert booking["pointsRedeemed"] == 20_000
    assert booking["guest"]["fullName"] == "Wang Fang"  # the member's own profile
    # A guest books online only, and only with their own membership.
    phone = await create(gql, me.token, hotel.std, channel="PHONE", guest=None)
    assert [(e["code"], e["field"]) for e in phone["errors"]] == [("INVALID", "channel")]


@pytest.mark.policy("P3.1.2")
async def test_a_guest_without_membership_fills_in_a_temporary_profile(gql, hotel, guest):
    me = await guest()
    missing = await create(gql, me.token, hotel.std, channel="ONLINE", guest=None)
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("REQUIRED", "guest")]
    booking = await book(gql, me.token, hotel.std, channel="ONLINE")
    assert booking["member"] is None and booking["guest"]["fullName"] == "Li Wei"
    assert await GuestProfile.filter(is_temporary=True).count() == 1


@pytest.mark.policy("P3.1.1")
@pytest.mark.policy("P6.1.2")
async def test_a_partner_books_through_the_partner_channel_and_sees_no_id_numbers(
    gql, hotel, partner_token
):
    ota = await partner_token("bookings:write")
    guest = {**GUEST, "idDocumentNumber": "G12345678"}
    wrong = await create(gql, ota.token, hotel.std, channel="ONLINE", guest=guest)
    assert [(e["code"], e["field"]) for e in wrong["errors"]] == [("INVALID", "channel")]
    booking = await book(gql, ota.token, hotel.std, channel="PARTNER", guest=guest)
    assert (booking["channel"], booking["status"]) == ("PARTNER", "CONFIRMED")
    assert booking["guest"]["idDocumentNumber"] is None
    assert (await GuestProfile.get()).id_document_number == "G12345678"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"checkIn": TODAY + D(days=5), "nights": 0}, "INVALID", "checkOut"),
        ({"checkIn": TODAY + D(days=5), "nights": 31}, "OUT_OF_RANGE", "checkOut"),
        ({"checkIn": TODAY - D(days=1), "nights": 2}, "OUT_OF_RANGE", "checkIn"),
        ({"guests": 3}, "OUT_OF_RANGE", "guests"),
        ({"guests": 0}, "OUT_OF_RANGE", "guests"),
        ({"roomTypeId": "Um9vbVR5cGU6OTk5OQ=="}, "NOT_FOUND", "roomTypeId"),  # RoomType:9999
        ({"roomTypeId": "not-an-id"}, "INVALID", "roomTypeId"),
        ({"roomTypeId": "Qm9va2luZzox"}, "INVALID", "roomTypeId"),  # Booking:1
        ({"memberId": "TWVtYmVyOjk5"}, "NOT_FOUND", "memberId"),  # Member:99
        ({"guest": {**GUEST, "phone": "12ab"}}, "INVALID", "guest.phone"),
        ({"guest": {**GUEST, "email": "li.wei@"}}, "INVALID", "guest.email"),
        ({"guest": {"fullName": "Li Wei"}}, "REQUIRED", "guest.phone"),
        ({"guest": {**GUEST, "fullName": "  "}}, "REQUIRED", "guest.fullName"),
        ({"guest": None}, "REQUIRED", "guest"),
        ({"acceptedTermsVersion": "T0000000000"}, "STALE_TERMS", "acceptedTermsVersion"),
        ({"specialRequests": "x" * 2001}, "INVALID", "specialRequests"),
        ({"pointsToRedeem": 100}, "REQUIRED", "memberId"),
        ({"idempotencyKey": "  "}, "INVALID", "idempotencyKey"),
    ],
)
async def test_bad_input_is_a_payload_error_and_nothing_is_written(
    gql, hotel, staff, change, code, field
):
    agent = await staff("booking_agent")
    change = dict(change)
    check_in = change.pop("checkIn", TODAY + D(days=10))
    nights = change.pop("nights", 2)
    given = await booking_input(hotel.std, check_in, nights, **change)
    reply = await gql(CREATE, {"input": given}, token=agent.token)
    assert reply.status == 200 and reply.errors == []
    payload = reply.data["createBooking"]
    assert payload["booking"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert payload["errors"][0]["message"]
    assert await Booking.all().count() == 0
    assert await GuestProfile.all().count() == 0
    assert await IdempotencyRecord.all().count() == 0
    assert await OutboxEvent.all().count() == 0
    await assert_inventory_consistent()


@pytest.mark.policy("P6.1.1")
async def test_terms_accepted_before_a_rule_changed_are_refused(gql, hotel, staff):
    agent = await staff("booking_agent")
    given = await booking_input(hotel.std)
    await set_parameter_reviewed("cancellation_grace_hours", "48", "longer grace")
    stale = (await gql(CREATE, {"input": given}, token=agent.token)).data["createBooking"]
    assert [e["code"] for e in stale["errors"]] == ["STALE_TERMS"]
    terms = (await gql("{ bookingTerms { version summary } }")).data["bookingTerms"]
    assert "48 hours" in terms["summary"] and terms["version"] != given["acceptedTermsVersion"]
    fresh = await gql(
        CREATE, {"input": {**given, "acceptedTermsVersion": terms["version"]}}, token=agent.token
    )
    assert fresh.data["createBooking"]["booking"]["termsVersion"] == terms["version"]


async def test_a_retried_request_with_the_same_key_returns_the_same_booking(gql, hotel, staff):
    agent = await staff("booking_agent")
    given = await booking_input(hotel.std, idempotencyKey="call-0001")
    first = (await gql(CREATE, {"input": given}, token=agent.token)).data["createBooking"]
    again = (await gql(CREATE, {"input": given}, token=agent.token)).data["createBooking"]
    assert first["errors"] == again["errors"] == []
    assert first["booking"]["number"] == again["booking"]["number"]
    other = {**given, "guests": 1}
    conflict = (await gql(CREATE, {"input": other}, token=agent.token)).data["createBooking"]
    assert [(e["code"], e["field"]) for e in conflict["errors"]] == [
        ("IDEMPOTENCY_CONFLICT", "idempotencyKey")
    ]
    assert await Booking.all().count() == 1
    assert await sold(hotel.pks["STD"], TODAY + D(days=10)) == 1
    # The same key from another caller is another key.
    colleague = await staff("booking_agent")
    theirs = (await gql(CREATE, {"input": other}, token=colleague.token)).data["createBooking"]
    assert theirs["errors"] == [] and theirs["booking"]["number"] != first["booking"]["number"]


async def test_concurrent_retries_create_one_booking(gql, hotel, staff):
    agent = await staff("booking_agent")
    given = await booking_input(hotel.std, idempotencyKey="double-click")
    replies = await asyncio.gather(
        *(gql(CREATE, {"input": given}, token=agent.token) for _ in range(10))
    )
    assert {r.status for r in replies} == {200}
    payloads = [r.data["createBooking"] for r in replies]
    assert all(p["errors"] == [] for p in payloads), payloads
    assert len({p["booking"]["number"] for p in payloads}) == 1
    assert await Booking.all().count() == 1
    await assert_inventory_consistent()
