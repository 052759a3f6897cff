"""Recording inquiries through the API (P3.1.1: inquiries by phone, online, walk-in or through
a partner, with the needs recorded), closing one as lost with a reason (P1.2), and reading them
back through the list and `node(id:)`. Bad input is a payload error with a code and writes
nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from inquiry_support import (
    CONTACT,
    LIST,
    LOST,
    NODE,
    inquiry_pk,
    record,
    recorded,
)

from domain.clock import clock
from domain.models import AuditEntry, GuestProfile, Inquiry
from tests.bookings.booking_support import TODAY, D, member_gid, new_member


@pytest.mark.policy("P3.1.1")
@pytest.mark.parametrize("channel", ["PHONE", "ONLINE", "WALK_IN", "PARTNER"])
async def test_staff_record_an_inquiry_of_every_channel_with_its_needs(gql, staff, hotel, channel):
    agent = await staff("booking_agent")
    inquiry = await recorded(
        gql,
        agent.token,
        channel=channel,
        guests=3,
        roomTypeId=hotel.dlx,
        budget={"amount": "1800.00", "currency": "CNY"},
        notes="sea view if possible",
        contact=CONTACT,
    )
    assert inquiry["channel"] == channel and inquiry["status"] == "OPEN"
    assert inquiry["checkIn"] == (TODAY + D(days=10)).isoformat() and inquiry["nights"] == 2
    assert inquiry["guests"] == 3 and inquiry["roomType"] == {"code": "DLX"}
    assert inquiry["budget"] == {"amount": "1800.00", "currency": "CNY"}
    assert inquiry["notes"] == "sea view if possible"
    assert inquiry["takenByName"] == "Booking_Agent1" and inquiry["takenByPartner"] is False
    assert inquiry["guest"]["fullName"] == "Zhang San"
    assert inquiry["guest"]["phone"] == "+8613912345678"  # agents contact guests: in full
    assert inquiry["fromSearch"] is False and inquiry["booking"] is None
    row = await Inquiry.get(id=inquiry_pk(inquiry["id"]))
    assert row.taken_by_account_id == agent.account_id and row.taken_by_token_id is None
    assert row.budget_amount == Decimal("1800.00") and row.room_type_id == hotel.pks["DLX"]
    profile = await GuestProfile.get(id=row.guest_id)
    assert profile.is_temporary and profile.full_name == "Zhang San"
    assert await AuditEntry.filter(action="recordInquiry", outcome="SUCCESS").count() == 1


async def test_an_inquiry_may_name_the_member_who_asked(gql, staff, hotel):
    agent = await staff("cs_rep")
    member = await new_member(name="Wang Fang")
    inquiry = await recorded(gql, agent.token, memberId=member_gid(member))
    assert inquiry["member"]["memberNumber"]
    assert inquiry["guest"]["fullName"] == "Wang Fang"
    assert (await Inquiry.get()).member_id == member


async def test_a_partner_records_through_the_partner_channel_only(gql, partner_token, hotel):
    ota = await partner_token("inquiries:write")
    inquiry = await recorded(gql, ota.token, channel="PARTNER", contact=CONTACT)
    assert inquiry["takenByPartner"] is True and inquiry["takenByStaffId"] is None
    assert inquiry["guest"]["phone"] != "+8613912345678"  # partners see contact details masked
    row = await Inquiry.get()
    assert row.taken_by_token_id == ota.token_id and row.taken_by_account_id is None
    refused = await record(gql, ota.token, channel="PHONE", contact=CONTACT)
    assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == "channel"
    member = await record(gql, ota.token, channel="PARTNER", memberId=member_gid(1))
    assert member["errors"][0]["field"] == "memberId"
    assert await Inquiry.all().count() == 1


@pytest.mark.policy("P3.1.1")
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"checkOut": (TODAY + D(days=9)).isoformat()}, "checkOut", "INVALID"),  # reversed
        ({"checkOut": (TODAY + D(days=10)).isoformat()}, "checkOut", "INVALID"),  # no night
        ({"checkIn": (TODAY - D(days=1)).isoformat()}, "checkIn", "OUT_OF_RANGE"),
        ({"budget": {"amount": "-100.00"}}, "budget.amount", "OUT_OF_RANGE"),
        ({"budget": {"amount": "0"}}, "budget.amount", "OUT_OF_RANGE"),
        ({"budget": {"amount": "100.00", "currency": "XYZ"}}, "budget.currency", "INVALID"),
        ({"roomTypeId": "Um9vbVR5cGU6OTk5OQ=="}, "roomTypeId", "NOT_FOUND"),  # RoomType:9999
        ({"roomTypeId": "Qm9va2luZzox"}, "roomTypeId", "INVALID"),  # a Booking id
        ({"guests": 0}, "guests", "OUT_OF_RANGE"),
        ({"guests": 51}, "guests", "OUT_OF_RANGE"),
        ({"notes": "x" * 2001}, "notes", "TOO_LONG"),
        ({"contact": {"fullName": "No Contact"}}, "contact.phone", "REQUIRED"),
        ({"contact": CONTACT, "memberId": member_gid(1)}, "contact", "INVALID"),
        ({"memberId": member_gid(999)}, "memberId", "NOT_FOUND"),
    ],
)
async def test_bad_input_is_a_payload_error_and_writes_nothing(
    gql, staff, hotel, change, field, code
):
    agent = await staff("booking_agent")
    await new_member()
    payload = await record(gql, agent.token, **change)
    assert payload["inquiry"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await Inquiry.all().count() == 0
    assert await GuestProfile.filter(is_temporary=True).count() == 0
    assert await AuditEntry.filter(action="recordInquiry", outcome="REJECTED").count() == 1


async def test_a_party_larger_than_the_room_type_is_refused(gql, staff, hotel):
    agent = await staff("booking_agent")
    payload = await record(gql, agent.token, roomTypeId=hotel.std, guests=3)  # STD takes 2
    assert payload["errors"][0]["code"] == "OUT_OF_RANGE"
    assert await Inquiry.all().count() == 0


@pytest.mark.policy("P3.1.1")
async def test_an_open_inquiry_is_marked_lost_with_a_reason_once(gql, staff, hotel):
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token)
    no_note = await gql(
        LOST, {"input": {"inquiryId": inquiry["id"], "reason": "OTHER"}}, token=agent.token
    )
    assert no_note.data["markInquiryLost"]["errors"][0]["code"] == "REQUIRED"
    assert (await Inquiry.get()).status == "OPEN"
    lost = await gql(
        LOST,
        {
            "input": {
                "inquiryId": inquiry["id"],
                "reason": "PRICE",
                "note": "found it cheaper elsewhere",
            }
        },
        token=agent.token,
    )
    closed = lost.data["markInquiryLost"]["inquiry"]
    assert closed["status"] == "LOST" and closed["lostReason"] == "PRICE"
    assert closed["lostNote"] == "found it cheaper elsewhere" and closed["closedAt"]
    row = await Inquiry.get()
    assert (row.status, row.lost_reason) == ("LOST", "PRICE")
    again = await gql(
        LOST, {"input": {"inquiryId": inquiry["id"], "reason": "COMPETITOR"}}, token=agent.token
    )
    assert again.data["markInquiryLost"]["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await Inquiry.get()).lost_reason == "PRICE"


async def test_marking_an_unknown_inquiry_lost_is_not_found(gql, staff):
    agent = await staff("booking_agent")
    reply = await gql(
        LOST, {"input": {"inquiryId": "SW5xdWlyeTo0Mg==", "reason": "PRICE"}}, token=agent.token
    )  # Inquiry:42
    assert reply.data["markInquiryLost"]["errors"][0]["code"] == "NOT_FOUND"
    malformed = await gql(
        LOST, {"input": {"inquiryId": "nonsense", "reason": "PRICE"}}, token=agent.token
    )
    assert malformed.data["markInquiryLost"]["errors"][0]["code"] == "INVALID"


async def test_the_list_filters_by_channel_status_staff_and_period(gql, staff, hotel):
    first, second = await staff("booking_agent"), await staff("cs_rep")
    phone = await recorded(gql, first.token, channel="PHONE")
    await recorded(gql, second.token, channel="WALK_IN")
    clock.advance(D(days=2))  # the morning's access tokens have expired by then
    third, director = await staff("cs_rep"), await staff("director")
    late = await recorded(gql, third.token, channel="PHONE", check_in=TODAY + D(days=20))
    await gql(
        LOST, {"input": {"inquiryId": late["id"], "reason": "NO_RESPONSE"}}, token=third.token
    )

    async def ids(filter_: dict | None = None) -> list[str]:
        reply = await gql(LIST, {"first": 10, "filter": filter_}, token=director.token)
        assert reply.errors == [], reply.errors
        return [n["id"] for n in reply.data["inquiries"]["nodes"]]

    assert len(await ids()) == 3
    assert await ids({"channel": ["PHONE"]}) == [late["id"], phone["id"]]
    assert await ids({"status": ["LOST"]}) == [late["id"]]
    assert await ids({"takenByStaffId": phone["takenByStaffId"]}) == [phone["id"]]
    day_two = (TODAY + D(days=2)).isoformat()
    assert await ids({"recordedFrom": day_two}) == [late["id"]]
    assert len(await ids({"recordedTo": TODAY.isoformat()})) == 2
    bad = await gql(LIST, {"filter": {"takenByStaffId": "nonsense"}}, token=director.token)
    assert bad.error_codes == ["BAD_REQUEST"]


async def test_the_list_pages_newest_first(gql, staff, hotel):
    agent = await staff("booking_agent")
    made = [(await recorded(gql, agent.token))["id"] for _ in range(3)]
    page = (await gql(LIST, {"first": 2}, token=agent.token)).data["inquiries"]
    assert [n["id"] for n in page["nodes"]] == made[:0:-1]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    rest = await gql(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token=agent.token)
    assert [n["id"] for n in rest.data["inquiries"]["nodes"]] == made[:1]


async def test_node_fetches_an_inquiry(gql, staff, hotel):
    agent = await staff("supervisor")
    inquiry = await recorded(gql, agent.token, notes="twin beds")
    reply = await gql(NODE, {"id": inquiry["id"]}, token=agent.token)
    assert reply.data["node"] == {
        "id": inquiry["id"],
        "status": "OPEN",
        "channel": "PHONE",
        "notes": "twin beds",
    }
