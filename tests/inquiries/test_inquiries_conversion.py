"""What an inquiry became (P1.2 booking conversion, P3.1.1 intake): `createBooking` names the
inquiry it converts, in the booking's own unit of work; a converted or lost inquiry cannot be
converted again. A signed-in guest's online availability search is an inquiry, recorded after
the answer at most once per guest, search and day, and converted when that guest books the
same stay."""

from __future__ import annotations

import asyncio
import json

import pytest
from inquiry_support import AVAILABILITY, LIST, LOST, inquiry_pk, recorded

from authz import tokens
from domain.clock import clock
from domain.models import Account, Booking, Inquiry
from tests.bookings.booking_support import CREATE, TODAY, D, booking_input, create
from tests.concurrency import assert_ran_concurrently, watching_transactions


@pytest.mark.policy("P1.2")
async def test_a_booking_converts_the_inquiry_it_names(gql, staff, hotel):
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token, roomTypeId=hotel.std)
    payload = await create(gql, agent.token, hotel.std, inquiryId=inquiry["id"])
    assert payload["errors"] == []
    number = payload["booking"]["number"]
    row = await Inquiry.get(id=inquiry_pk(inquiry["id"]))
    assert row.status == "CONVERTED" and row.closed_at == clock.now()
    assert row.booking_id == (await Booking.get(number=number)).id
    shown = await gql(LIST, {"first": 5}, token=agent.token)
    assert shown.data["inquiries"]["nodes"][0]["booking"] == {"number": number}


@pytest.mark.policy("P1.2")
async def test_a_converted_inquiry_cannot_be_converted_again(gql, staff, hotel):
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token)
    assert (await create(gql, agent.token, hotel.std, inquiryId=inquiry["id"]))["errors"] == []
    again = await create(gql, agent.token, hotel.dlx, inquiryId=inquiry["id"])
    assert again["booking"] is None
    assert [(e["field"], e["code"]) for e in again["errors"]] == [
        ("inquiryId", "INVALID_TRANSITION")
    ]
    assert await Booking.all().count() == 1  # the refused booking wrote nothing
    lost = await gql(
        LOST, {"input": {"inquiryId": inquiry["id"], "reason": "PRICE"}}, token=agent.token
    )
    assert lost.data["markInquiryLost"]["errors"][0]["code"] == "INVALID_TRANSITION"
    assert (await Inquiry.get()).status == "CONVERTED"


async def test_a_lost_inquiry_cannot_be_converted(gql, staff, hotel):
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token)
    await gql(LOST, {"input": {"inquiryId": inquiry["id"], "reason": "PRICE"}}, token=agent.token)
    refused = await create(gql, agent.token, hotel.std, inquiryId=inquiry["id"])
    assert refused["errors"][0]["code"] == "INVALID_TRANSITION"
    assert await Booking.all().count() == 0
    assert (await Inquiry.get()).status == "LOST"


async def test_a_refused_booking_leaves_its_inquiry_open(gql, staff, hotel):
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token)
    refused = await create(gql, agent.token, hotel.std, guests=9, inquiryId=inquiry["id"])
    assert refused["errors"][0]["code"] == "OUT_OF_RANGE"
    assert (await Inquiry.get()).status == "OPEN"


async def test_naming_an_inquiry_that_is_not_ones_own_or_not_one_is_refused(
    gql, staff, partner_token, hotel
):
    agent = await staff("booking_agent")
    theirs = await recorded(gql, agent.token)
    ota = await partner_token("bookings:write", "inquiries:write")
    other = await create(gql, ota.token, hotel.std, channel="PARTNER", inquiryId=theirs["id"])
    assert other["errors"][0]["code"] == "NOT_FOUND"
    unknown = await create(gql, agent.token, hotel.std, inquiryId="SW5xdWlyeTo5OTk=")
    assert unknown["errors"][0]["code"] == "NOT_FOUND"
    wrong_type = await create(gql, agent.token, hotel.std, inquiryId=hotel.dlx)
    assert wrong_type["errors"][0] == {
        "field": "inquiryId",
        "message": "Not a valid Inquiry id.",
        "code": "INVALID",
    }
    assert await Booking.all().count() == 0
    own = await recorded(gql, ota.token, channel="PARTNER")
    converted = await create(gql, ota.token, hotel.std, channel="PARTNER", inquiryId=own["id"])
    assert converted["errors"] == []
    assert (await Inquiry.get(id=inquiry_pk(own["id"]))).status == "CONVERTED"


async def _search(gql, token, nights: int = 2, guests: int = 2, start=None):
    start = start or TODAY + D(days=10)
    variables = {
        "in": start.isoformat(),
        "out": (start + D(days=nights)).isoformat(),
        "guests": guests,
    }
    reply = await gql(AVAILABILITY, variables, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["availability"]


@pytest.mark.policy("P3.1.1")
async def test_a_signed_in_guests_search_is_an_online_inquiry_once_a_day(gql, guest, hotel):
    me = await guest(member=True)
    await _search(gql, me.token)
    await _search(gql, me.token)  # the same search again: nothing new
    await _search(gql, me.token, guests=1)  # another search
    rows = await Inquiry.all().order_by("id")
    assert [(r.channel, r.status, r.guests) for r in rows] == [
        ("ONLINE", "OPEN", 2),
        ("ONLINE", "OPEN", 1),
    ]
    assert rows[0].guest_account_id == me.account_id and rows[0].member_id == me.member_id
    assert rows[0].taken_by_account_id is None and rows[0].search_key
    mine = await gql(LIST, {"first": 5}, token=me.token)
    assert [n["fromSearch"] for n in mine.data["inquiries"]["nodes"]] == [True, True]


async def test_the_same_search_the_next_day_is_a_new_inquiry(gql, guest, hotel):
    me = await guest()
    await _search(gql, me.token)
    clock.advance(D(hours=16))  # the next hotel-local day (the access token has expired)
    fresh = await tokens.issue_session(await Account.get(id=me.account_id))
    await _search(gql, fresh.access_token)
    assert await Inquiry.filter(guest_account_id=me.account_id).count() == 2


async def test_searches_of_staff_and_anonymous_callers_are_not_inquiries(gql, staff, hotel):
    agent = await staff("booking_agent")
    await _search(gql, agent.token)
    await _search(gql, None)
    assert await Inquiry.all().count() == 0


async def test_a_refused_search_records_nothing(gql, guest, hotel):
    me = await guest()
    reply = await gql(
        AVAILABILITY,
        {"in": (TODAY + D(days=3)).isoformat(), "out": TODAY.isoformat(), "guests": 1},
        token=me.token,
    )
    assert reply.error_codes == ["BAD_REQUEST"]
    assert await Inquiry.all().count() == 0


@pytest.mark.policy("P1.2")
async def test_a_guest_who_books_what_they_searched_converts_their_search(gql, guest, hotel):
    me = await guest()
    other = await guest()
    await _search(gql, me.token)  # 10 nights ahead, 2 nights
    await _search(gql, me.token, nights=3)  # another stay: stays open
    await _search(gql, other.token)  # the same stay, searched by someone else: stays open
    given = await booking_input(hotel.std, channel="ONLINE")
    reply = await gql(CREATE, {"input": given}, token=me.token)
    assert reply.data["createBooking"]["errors"] == [], reply.body
    booking = await Booking.get(number=reply.data["createBooking"]["booking"]["number"])
    rows = {(r.guest_account_id, r.check_out): r for r in await Inquiry.all()}
    two_nights, three_nights = TODAY + D(days=12), TODAY + D(days=13)
    assert rows[(me.account_id, two_nights)].status == "CONVERTED"
    assert rows[(me.account_id, two_nights)].booking_id == booking.id
    assert rows[(me.account_id, three_nights)].status == "OPEN"
    assert rows[(other.account_id, two_nights)].status == "OPEN"


@pytest.mark.policy("P1.2")
async def test_concurrent_bookings_naming_one_inquiry_convert_it_once(gql, staff, hotel):
    """The inquiry is locked (PostgreSQL) and closed by a conditional update, so of ten bookings
    sent at once for one inquiry exactly one is made; the others are refused and write nothing.
    SQLite serialises the transactions: only the PostgreSQL run contends."""
    agent = await staff("booking_agent")
    inquiry = await recorded(gql, agent.token)
    given = await booking_input(hotel.std, inquiryId=inquiry["id"])
    with watching_transactions() as overlap:
        replies = await asyncio.gather(
            *(gql(CREATE, {"input": given}, token=agent.token) for _ in range(10))
        )
    assert_ran_concurrently(overlap)
    payloads = [r.data["createBooking"] for r in replies]
    made = [p["booking"]["number"] for p in payloads if p["booking"] is not None]
    assert len(made) == 1
    refused = {(e["field"], e["code"]) for p in payloads for e in p["errors"]}
    assert refused == {("inquiryId", "INVALID_TRANSITION")}
    assert await Booking.all().count() == 1
    row = await Inquiry.get()
    assert row.status == "CONVERTED" and row.booking_id == (await Booking.get()).id


async def test_the_search_is_recorded_only_after_the_answer_was_sent(app, guest, hotel):
    """The availability hot path does not wait for the inquiry: the response's last byte is
    sent before the insert runs (a background task of the response)."""
    me = await guest()
    start = TODAY + D(days=10)
    body = json.dumps(
        {
            "query": AVAILABILITY,
            "variables": {"in": start.isoformat(), "out": (start + D(days=1)).isoformat()},
        }
    ).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"hotel.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {me.token}".encode()),
        ],
        "client": ("127.0.0.9", 50000),
        "server": ("hotel.test", 80),
    }
    sent = {"body": False}

    async def receive():
        if sent["body"]:  # the request was read already: a client that stays, for a while
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}
        sent["body"] = True
        return {"type": "http.request", "body": body, "more_body": False}

    answered_with: list[int] = []

    async def send(message):
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered_with.append(await Inquiry.all().count())

    await app(scope, receive, send)
    assert answered_with == [0]  # nothing recorded when the answer went out
    assert await Inquiry.filter(guest_account_id=me.account_id).count() == 1
