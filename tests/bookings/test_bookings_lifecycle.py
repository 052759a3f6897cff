"""A booking's life through the API: staff review and confirmation with the electronic voucher
(P3.1.2, P3.1.3), changes with the customer's written authorisation and the three-level approval
of urgent ones (P3.1.4), cancellation inside and after the grace period with its refund
(P3.1.5), and the stay (check-in, check-out, no-show)."""

from __future__ import annotations

import pytest
from booking_support import (
    CANCEL,
    CHANGE,
    CHECK_IN,
    CHECK_OUT,
    CONFIRM,
    ISSUE_CONFIRMATION,
    NO_SHOW,
    TODAY,
    VERIFY,
    D,
    assert_inventory_consistent,
    book,
    pk_of,
    sold,
)

from domain.models import ApprovalRequest, Booking, BookingChangeRequest, Refund
from tests.conftest import archived_authorisation

QUOTE = """query($id: ID!) { cancellationQuote(bookingId: $id) {
  quote { rule freeUntil paidAmount chargeAmount refundableAmount currency explanation }
  errors { field code } } }"""
DECIDE = """mutation($id: ID!, $d: ApprovalDecisionKind!, $c: String!) {
  decideApproval(input: {approvalId: $id, decision: $d, comment: $c}) {
    approval { status } errors { field code } } }"""
REVIEW = "query($n: String!) { booking(number: $n) { status reviewReason voucher { code } } }"
CHANGES = """query($n: String!) { booking(number: $n) { checkOut totalAmount changeRequests {
  status urgent newRoomType { code } approvals { level role decidedBy decision } } } }"""


def _errors(payload: dict) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# -- review and confirmation ------------------------------------------------------------------


@pytest.mark.policy("P3.1.2")
@pytest.mark.policy("P3.1.3")
async def test_an_expensive_stay_waits_for_review_then_staff_confirm_it(gql, hotel, staff, guest):
    me = await guest()
    booking = await book(gql, me.token, hotel.suite, TODAY + D(days=7), 3, channel="ONLINE")
    assert (booking["status"], booking["voucher"]) == ("PENDING_REVIEW", None)
    agent = await staff("booking_agent")
    seen_by_staff = (await gql(REVIEW, {"n": booking["number"]}, token=agent.token)).data
    assert "more than 20000" in seen_by_staff["booking"]["reviewReason"]
    seen_by_guest = (await gql(REVIEW, {"n": booking["number"]}, token=me.token)).data
    assert seen_by_guest["booking"]["reviewReason"] is None

    confirmed = (await gql(CONFIRM, {"id": booking["id"]}, token=agent.token)).data
    assert confirmed["confirmBooking"]["errors"] == []
    assert confirmed["confirmBooking"]["booking"]["status"] == "CONFIRMED"
    code = confirmed["confirmBooking"]["booking"]["voucher"]["code"]
    assert code.startswith(booking["number"])
    again = (await gql(CONFIRM, {"id": booking["id"]}, token=agent.token)).data
    assert _errors(again["confirmBooking"]) == [("INVALID_TRANSITION", "bookingId")]
    unknown = (await gql(CONFIRM, {"id": "Qm9va2luZzo5OTk="}, token=agent.token)).data
    assert _errors(unknown["confirmBooking"]) == [("NOT_FOUND", "bookingId")]


@pytest.mark.policy("P3.1.3")
async def test_a_voucher_verifies_until_the_booking_is_cancelled(gql, hotel, staff):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=4), 2)
    code = booking["voucher"]["code"]

    checked = (await gql(VERIFY, {"code": code})).data["verifyVoucher"]  # anonymous scanner
    assert checked["valid"] is True and checked["reason"] is None
    assert checked["booking"] == {
        "number": booking["number"],
        "status": "CONFIRMED",
        "checkIn": (TODAY + D(days=4)).isoformat(),
        "checkOut": (TODAY + D(days=6)).isoformat(),
        "roomType": {"code": "STD"},
    }
    forged = (await gql(VERIFY, {"code": code[:-2] + "AA"})).data["verifyVoucher"]
    assert (forged["valid"], forged["reason"], forged["booking"]) == (False, "FORGED", None)
    malformed = (await gql(VERIFY, {"code": "hello"})).data["verifyVoucher"]
    assert (malformed["valid"], malformed["reason"]) == (False, "MALFORMED")

    await gql(CANCEL, {"id": booking["id"], "reason": "trip off"}, token=agent.token)
    after = (await gql(VERIFY, {"code": code})).data["verifyVoucher"]
    assert (after["valid"], after["reason"]) == (False, "CANCELLED")
    assert after["booking"]["status"] == "CANCELLED"


# -- cancellation -----------------------------------------------------------------------------


@pytest.mark.policy("P3.1.5")
async def test_free_cancellation_refunds_everything_and_cancelling_twice_is_refused(
    gql, hotel, guest
):
    me = await guest()
    booking = await book(gql, me.token, hotel.std, TODAY + D(days=2), 2, channel="ONLINE")
    quote = (await gql(QUOTE, {"id": booking["id"]}, token=me.token)).data["cancellationQuote"]
    assert quote["errors"] == []
    assert quote["quote"]["rule"] == "FREE_CANCELLATION"
    # 14:00 hotel time on the arrival day, less the 24-hour grace: 29 November 14:00 (06:00Z).
    assert quote["quote"]["freeUntil"] == "2026-11-29T06:00:00+00:00"
    assert quote["quote"]["refundableAmount"] == "1000.00"

    reply = await gql(CANCEL, {"id": booking["id"], "reason": "plans changed"}, token=me.token)
    payload = reply.data["cancelBooking"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "CANCELLED"
    assert payload["refund"]["amount"] == "1000.00"
    assert (payload["refund"]["status"], payload["refund"]["rule"]) == (
        "PENDING",
        "FREE_CANCELLATION",
    )
    twice = await gql(CANCEL, {"id": booking["id"], "reason": "again"}, token=me.token)
    assert _errors(twice.data["cancelBooking"]) == [("INVALID_TRANSITION", "bookingId")]
    no_quote = (await gql(QUOTE, {"id": booking["id"]}, token=me.token)).data["cancellationQuote"]
    assert (no_quote["quote"], _errors(no_quote)) == (None, [("INVALID_TRANSITION", "bookingId")])
    assert await Refund.all().count() == 1
    await assert_inventory_consistent()


@pytest.mark.policy("P3.1.5")
async def test_cancelling_after_the_grace_period_charges_the_first_night(gql, hotel, staff):
    agent = await staff("booking_agent")
    # Arriving today at 14:00 hotel time: free cancellation ended 24 hours before that.
    booking = await book(gql, agent.token, hotel.std, TODAY, 2)
    quote = (await gql(QUOTE, {"id": booking["id"]}, token=agent.token)).data
    assert quote["cancellationQuote"]["quote"]["rule"] == "LATE_CANCELLATION"
    assert quote["cancellationQuote"]["quote"]["freeUntil"] == "2026-11-27T06:00:00+00:00"
    reply = await gql(CANCEL, {"id": booking["id"], "reason": "late"}, token=agent.token)
    refund = reply.data["cancelBooking"]["refund"]
    assert (refund["rule"], refund["amount"]) == ("LATE_CANCELLATION", "500.00")


@pytest.mark.policy("P3.1.5")
async def test_a_retried_cancellation_returns_the_same_refund(gql, hotel, staff):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=9), 2)
    variables = {"id": booking["id"], "reason": "guest called", "key": "cancel-1"}
    first = (await gql(CANCEL, variables, token=agent.token)).data["cancelBooking"]
    again = (await gql(CANCEL, variables, token=agent.token)).data["cancelBooking"]
    assert first["errors"] == again["errors"] == []
    assert first["refund"]["id"] == again["refund"]["id"]
    assert await Refund.all().count() == 1


async def test_a_booking_that_is_not_yours_has_no_quote(gql, hotel, guest):
    me, other = await guest(), await guest()
    theirs = await book(gql, other.token, hotel.std, channel="ONLINE")
    reply = (await gql(QUOTE, {"id": theirs["id"]}, token=me.token)).data["cancellationQuote"]
    assert (reply["quote"], _errors(reply)) == (None, [("NOT_FOUND", "bookingId")])


# -- the stay ---------------------------------------------------------------------------------


async def test_check_in_assigns_a_room_and_check_out_frees_it(gql, hotel, staff):
    agent = await staff("booking_agent")
    early = await book(gql, agent.token, hotel.std, TODAY + D(days=3), 2)
    too_soon = (await gql(CHECK_IN, {"id": early["id"]}, token=agent.token)).data
    assert _errors(too_soon["checkInBooking"]) == [("OUT_OF_RANGE", "bookingId")]

    booking = await book(gql, agent.token, hotel.std, TODAY, 2)
    free = await gql(
        "query($t: ID) { rooms(roomTypeId: $t, freeOnly: true) { id number occupied } }",
        {"t": hotel.std},
        token=agent.token,
    )
    assert len(free.data["rooms"]) == 5 and not any(r["occupied"] for r in free.data["rooms"])
    room = free.data["rooms"][2]
    checked_in = await gql(CHECK_IN, {"id": booking["id"], "room": room["id"]}, token=agent.token)
    payload = checked_in.data["checkInBooking"]
    assert payload["errors"] == []
    assert payload["booking"] == {"status": "CHECKED_IN", "room": {"number": room["number"]}}
    busy = await gql("query { rooms(freeOnly: true) { number } }", token=agent.token)
    assert room["number"] not in [r["number"] for r in busy.data["rooms"]]

    # Leaving early, the same day: the room and the nights go back on sale.
    out = (await gql(CHECK_OUT, {"id": booking["id"]}, token=agent.token)).data["checkOutBooking"]
    assert out["booking"]["status"] == "CHECKED_OUT"
    freed = await gql("query { rooms(freeOnly: true) { number } }", token=agent.token)
    assert room["number"] in [r["number"] for r in freed.data["rooms"]]
    assert await sold(hotel.pks["STD"], TODAY) == 0
    again = (await gql(CHECK_OUT, {"id": booking["id"]}, token=agent.token)).data
    assert _errors(again["checkOutBooking"]) == [("INVALID_TRANSITION", "bookingId")]


@pytest.mark.policy("P3.1.5")
async def test_a_no_show_is_refunded_by_the_rules_and_frees_its_nights(gql, hotel, staff):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.single, TODAY, 3)
    early = await book(gql, agent.token, hotel.std, TODAY + D(days=1), 1)
    not_yet = (await gql(NO_SHOW, {"id": early["id"]}, token=agent.token)).data["markNoShow"]
    assert _errors(not_yet) == [("OUT_OF_RANGE", "bookingId")]

    payload = (await gql(NO_SHOW, {"id": booking["id"]}, token=agent.token)).data["markNoShow"]
    assert payload["errors"] == []
    assert payload["booking"]["status"] == "NO_SHOW"
    assert [r["kind"] for r in payload["booking"]["refunds"]] == ["NO_SHOW"]
    assert await sold(hotel.pks["ONE"], TODAY + D(days=1)) == 0
    await assert_inventory_consistent()


# -- changes ----------------------------------------------------------------------------------


def _change(booking: dict, authorization: dict, **fields) -> dict:
    return {"input": {"bookingId": booking["id"], "authorization": authorization, **fields}}


AUTHORISATION = "20261128-0042-guest-change-authorisation"
DOCUMENT = {"kind": "WRITTEN_DOCUMENT", "documentId": AUTHORISATION}


@pytest.fixture(autouse=True)
async def signed_authorisation_on_file(hotel):
    """The guest's written authorisation that WRITTEN_DOCUMENT changes point at (P3.2 archive)."""
    assert await archived_authorisation(42) == AUTHORISATION


@pytest.mark.policy("P3.1.4")
async def test_a_change_with_a_signed_document_applies_and_reprices(gql, hotel, staff):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=10), 2)
    new_out = (TODAY + D(days=13)).isoformat()
    given = _change(booking, DOCUMENT, checkOut=new_out, roomTypeId=hotel.dlx)
    reply = await gql(CHANGE, given, token=agent.token)
    payload = reply.data["requestBookingChange"]
    assert payload["errors"] == []
    assert payload["changeRequest"]["status"] == "APPLIED"
    assert payload["changeRequest"]["urgent"] is False
    assert payload["changeRequest"]["approvals"] == []
    assert (payload["booking"]["checkOut"], payload["booking"]["totalAmount"]) == (
        new_out,
        "2400.00",
    )
    listed = (await gql(CHANGES, {"n": booking["number"]}, token=agent.token)).data["booking"]
    assert listed["changeRequests"][0]["newRoomType"] == {"code": "DLX"}
    assert await sold(hotel.pks["STD"], TODAY + D(days=10)) == 0
    await assert_inventory_consistent()


@pytest.mark.policy("P3.1.4")
@pytest.mark.parametrize(
    ("authorization", "field"),
    [
        ({"kind": "GUEST_CONFIRMED"}, "authorization"),  # staff are not the guest
        ({"kind": "GUEST_CONFIRMED", "confirmationToken": "forged.token"}, "authorization"),
        ({"kind": "WRITTEN_DOCUMENT"}, "authorization.documentId"),
        # A document that is not in the archive authorises nothing.
        ({"kind": "WRITTEN_DOCUMENT", "documentId": "20261128-0999-made-up"},
         "authorization.documentId"),
    ],
)
async def test_a_change_without_written_authorisation_is_refused(
    gql, hotel, staff, authorization, field
):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=10), 2)
    new_out = (TODAY + D(days=13)).isoformat()
    reply = await gql(CHANGE, _change(booking, authorization, checkOut=new_out), token=agent.token)
    payload = reply.data["requestBookingChange"]
    assert _errors(payload) == [("AUTHORIZATION_REQUIRED", field)]
    assert payload["changeRequest"] is None
    assert await BookingChangeRequest.all().count() == 0
    assert (await Booking.get(id=pk_of(booking["id"]))).check_out == TODAY + D(days=12)


@pytest.mark.policy("P3.1.4")
async def test_the_guest_confirms_a_change_themselves_or_through_a_signed_link(
    gql, hotel, staff, guest
):
    me = await guest()
    mine = await book(gql, me.token, hotel.std, TODAY + D(days=10), 2, channel="ONLINE")
    own = await gql(
        CHANGE,
        _change(mine, {"kind": "GUEST_CONFIRMED"}, checkOut=(TODAY + D(days=13)).isoformat()),
        token=me.token,
    )
    assert own.data["requestBookingChange"]["changeRequest"]["status"] == "APPLIED"

    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=20), 2)
    new_out = (TODAY + D(days=23)).isoformat()
    issued = await gql(
        ISSUE_CONFIRMATION,
        {"input": {"bookingId": booking["id"], "checkOut": new_out, "validForHours": 24}},
        token=agent.token,
    )
    link = issued.data["issueChangeConfirmation"]
    assert link["errors"] == [] and link["expiresAt"] == "2026-11-29T02:00:00+00:00"
    by_link = {"kind": "GUEST_CONFIRMED", "confirmationToken": link["confirmationToken"]}
    # The link confirms exactly the change it was made for.
    other = _change(booking, by_link, checkOut=(TODAY + D(days=24)).isoformat())
    refused = (await gql(CHANGE, other, token=agent.token)).data["requestBookingChange"]
    assert _errors(refused) == [("AUTHORIZATION_REQUIRED", "authorization")]
    confirmed = await gql(CHANGE, _change(booking, by_link, checkOut=new_out), token=agent.token)
    assert confirmed.data["requestBookingChange"]["changeRequest"]["status"] == "APPLIED"
    assert confirmed.data["requestBookingChange"]["booking"]["checkOut"] == new_out


async def _decide(gql, token: str, approval_id: str, decision: str = "APPROVE") -> dict:
    reply = await gql(DECIDE, {"id": approval_id, "d": decision, "c": "ok"}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["decideApproval"]


WAITING = """{ approvals(first: 10, filter: {waitingForMe: true}) {
  edges { node { id kind requiredRole dueAt paperworkDueAt emergency } } } }"""


@pytest.mark.policy("P3.1.4")
@pytest.mark.policy("P4.1.2")
async def test_an_urgent_change_is_authorised_at_once_and_three_people_approve_after(
    gql, hotel, staff
):
    agent = await staff("booking_agent")
    first, second = await staff("supervisor"), await staff("supervisor")
    director = await staff("director")
    # Arriving tomorrow: inside the 48-hour window, so the change is urgent by itself.
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=1), 2)
    new_out = (TODAY + D(days=4)).isoformat()
    reply = await gql(CHANGE, _change(booking, DOCUMENT, checkOut=new_out), token=agent.token)
    payload = reply.data["requestBookingChange"]
    assert payload["errors"] == []
    change = payload["changeRequest"]
    assert (change["status"], change["urgent"]) == ("PENDING_APPROVAL", True)
    assert change["approvals"] == [
        {"level": 1, "role": "supervisor,director", "decidedBy": None, "decision": None},
    ]
    assert payload["booking"]["checkOut"] == (TODAY + D(days=3)).isoformat()  # not yet
    # P4.1.2: one supervisor authorises the emergency; the change applies at once.
    authorised = await _decide(gql, first.token, change["approvalId"])
    assert authorised["errors"] == [] and authorised["approval"]["status"] == "APPROVED"
    done = (await gql(CHANGES, {"n": booking["number"]}, token=agent.token)).data["booking"]
    assert (done["checkOut"], done["totalAmount"]) == (new_out, "1500.00")
    assert done["changeRequests"][0]["status"] == "APPLIED"
    await assert_inventory_consistent()

    # P3.1.4: the formal three-level approval follows, due within emergency_paperwork_days.
    [waiting] = (await gql(WAITING, token=second.token)).data["approvals"]["edges"]
    paperwork = waiting["node"]
    assert (paperwork["kind"], paperwork["requiredRole"]) == (
        "BOOKING_CHANGE_PAPERWORK",
        "supervisor",
    )
    assert paperwork["dueAt"].startswith((TODAY + D(days=3)).isoformat())
    assert (await _decide(gql, first.token, paperwork["id"]))["errors"] == []
    same_person = await _decide(gql, first.token, paperwork["id"])
    assert _errors(same_person) == [("FORBIDDEN", "approvalId")]
    assert (await gql(WAITING, token=first.token)).data["approvals"]["edges"] == []
    assert (await _decide(gql, second.token, paperwork["id"]))["errors"] == []
    last = await _decide(gql, director.token, paperwork["id"])
    assert last["errors"] == [] and last["approval"]["status"] == "APPROVED"
    decided = await ApprovalRequest.get(kind="BOOKING_CHANGE_PAPERWORK")
    assert decided.status == "APPROVED"
    emergency = await ApprovalRequest.get(kind="BOOKING_CHANGE")
    assert emergency.paperwork_due_at == decided.due_at


@pytest.mark.policy("P3.1.4")
async def test_a_change_flagged_urgent_waits_and_a_rejection_closes_it(gql, hotel, staff):
    agent, supervisor = await staff("booking_agent"), await staff("supervisor")
    booking = await book(gql, agent.token, hotel.std, TODAY + D(days=30), 2)
    new_out = (TODAY + D(days=33)).isoformat()
    reply = await gql(
        CHANGE, _change(booking, DOCUMENT, checkOut=new_out, urgent=True), token=agent.token
    )
    change = reply.data["requestBookingChange"]["changeRequest"]
    assert change["status"] == "PENDING_APPROVAL"
    second = await gql(
        CHANGE, _change(booking, DOCUMENT, checkOut=new_out, urgent=True), token=agent.token
    )
    assert _errors(second.data["requestBookingChange"]) == [("CONFLICT", "bookingId")]
    assert (await _decide(gql, supervisor.token, change["approvalId"], "REJECT"))["errors"] == []
    done = (await gql(CHANGES, {"n": booking["number"]}, token=agent.token)).data["booking"]
    assert done["changeRequests"][0]["status"] == "REJECTED"
    assert [a["decision"] for a in done["changeRequests"][0]["approvals"]] == ["REJECT"]
    assert done["checkOut"] == (TODAY + D(days=32)).isoformat()
    assert (await ApprovalRequest.get()).status == "REJECTED"
