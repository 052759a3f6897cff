"""Who reaches which bookings (P6.1.2 access-permission matrix, clear boundaries of use): staff
who serve guests read all bookings, a guest only their own, a partner token only what it
created, through the list, `booking(number:)` and `node(id:)` alike. Every booking mutation is
refused to a role the matrix does not grant it, and a refused call writes nothing."""

from __future__ import annotations

import pytest
from booking_support import (
    BY_NUMBER,
    CANCEL,
    CHANGE,
    CHECK_IN,
    CHECK_OUT,
    CONFIRM,
    CREATE,
    ISSUE_CONFIRMATION,
    LIST,
    NO_SHOW,
    NODE,
    TODAY,
    D,
    book,
    booking_input,
    member_gid,
    pk_of,
)
from strawberry.permission import PermissionExtension

from domain.models import AuditEntry, Booking, BookingChangeRequest, Refund
from schema.bookings import BookingMutation, BookingQuery
from schema.permissions import Allow
from tests.dual_review_support import confirm_through_api


@pytest.mark.policy("P6.1.2")
def test_every_booking_field_declares_a_permission():
    """Each root field of the area names exactly one matrix cell (resource and action); an
    extension with no permission in it, or an area without fields, would guard nothing."""
    checked = []
    for root in (BookingQuery, BookingMutation):
        for field in root.__strawberry_definition__.fields:
            cells = [
                (permission.resource, permission.action)
                for extension in field.extensions
                if isinstance(extension, PermissionExtension)
                for permission in extension.permissions
                if isinstance(permission, Allow)
            ]
            assert len(cells) == 1 and all(cells[0]), (field.name, cells)
            checked.append(field.name)
    assert {"bookings", "create_booking", "cancel_booking"} <= set(checked)


async def _numbers(gql, token) -> list[str]:
    reply = await gql(LIST, {"first": 50}, token=token)
    assert reply.errors == [], reply.errors
    return sorted(e["node"]["number"] for e in reply.data["bookings"]["edges"])


async def _seen(gql, token, booking) -> tuple[bool, bool]:
    """(visible through booking(number:), visible through node(id:))."""
    by_number = await gql(BY_NUMBER, {"n": booking["number"]}, token=token)
    by_node = await gql(NODE, {"id": booking["id"]}, token=token)
    assert by_number.errors == by_node.errors == []
    return by_number.data["booking"] is not None, by_node.data["node"] is not None


@pytest.mark.policy("P6.1.2")
async def test_guests_see_only_their_own_bookings(gql, hotel, staff, guest):
    me, other = await guest(member=True), await guest()
    agent = await staff("booking_agent")
    mine = await book(gql, me.token, hotel.std, channel="ONLINE", guest=None)
    # A booking an agent made for the member is the member's too.
    for_me = await book(gql, agent.token, hotel.dlx, guest=None, memberId=member_gid(me.member_id))
    theirs = await book(gql, other.token, hotel.std, channel="ONLINE")
    walk_in = await book(gql, agent.token, hotel.std, channel="WALK_IN")

    assert await _numbers(gql, me.token) == sorted([mine["number"], for_me["number"]])
    assert await _numbers(gql, other.token) == [theirs["number"]]
    assert await _seen(gql, me.token, mine) == (True, True)
    for hidden in (theirs, walk_in):
        assert await _seen(gql, me.token, hidden) == (False, False)
    assert len(await _numbers(gql, agent.token)) == 4


@pytest.mark.policy("P6.1.2")
async def test_partners_see_only_what_their_token_created(gql, hotel, staff, partner_token):
    ota, other_ota = await partner_token("bookings:write"), await partner_token("bookings:write")
    reader = await partner_token("bookings:read")
    agent = await staff("booking_agent")
    ours = await book(gql, ota.token, hotel.std, channel="PARTNER")
    theirs = await book(gql, other_ota.token, hotel.std, channel="PARTNER")
    phone = await book(gql, agent.token, hotel.std)

    assert await _numbers(gql, ota.token) == [ours["number"]]
    assert await _numbers(gql, reader.token) == []
    assert await _seen(gql, ota.token, ours) == (True, True)
    for hidden in (theirs, phone):
        assert await _seen(gql, ota.token, hidden) == (False, False)
    # Nor can a partner act on a booking that is not its own: it looks like a missing one.
    refused = await gql(CANCEL, {"id": theirs["id"], "reason": "test"}, token=ota.token)
    assert [e["code"] for e in refused.data["cancelBooking"]["errors"]] == ["NOT_FOUND"]
    assert (await Booking.get(number=theirs["number"])).status == "CONFIRMED"


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "supervisor", "director", "finance"])
async def test_staff_who_serve_guests_read_every_booking(gql, hotel, staff, guest, role):
    me = await guest()
    await book(gql, me.token, hotel.std, channel="ONLINE")
    await book(gql, (await staff("booking_agent")).token, hotel.std)
    reader = await staff(role)
    reply = await gql(LIST, token=reader.token)
    assert reply.data["bookings"]["totalCount"] == 2


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["legal", "hr", "tech_lead", "admin", "data_analyst"])
async def test_other_staff_read_no_bookings(gql, hotel, staff, role):
    someone = await staff(role)
    assert (await gql(LIST, token=someone.token)).error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P6.1.2")
async def test_anonymous_callers_and_inventory_only_partners_read_no_bookings(
    gql, hotel, partner_token
):
    assert (await gql(LIST)).error_codes == ["UNAUTHENTICATED"]
    inventory_only = await partner_token("inventory:read")
    assert (await gql(LIST, token=inventory_only.token)).error_codes == ["FORBIDDEN"]
    rooms = await gql("{ roomTypes { code } }", token=inventory_only.token)
    assert len(rooms.data["roomTypes"]) == 4


@pytest.mark.policy("P6.1.2")
async def test_a_guest_cannot_cancel_someone_elses_booking(gql, hotel, guest):
    me, other = await guest(), await guest()
    theirs = await book(gql, other.token, hotel.std, channel="ONLINE")
    reply = await gql(CANCEL, {"id": theirs["id"], "reason": "mine now"}, token=me.token)
    errors = reply.data["cancelBooking"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("NOT_FOUND", "bookingId")]
    assert await Refund.all().count() == 0


async def test_bookings_page_through_every_booking_once(gql, hotel, staff):
    agent = await staff("booking_agent")
    made = [
        (await book(gql, agent.token, hotel.std, TODAY + D(days=i)))["number"] for i in range(5)
    ]
    seen, after = [], None
    while True:
        reply = await gql(LIST, {"first": 2, "after": after}, token=agent.token)
        page = reply.data["bookings"]
        assert page["totalCount"] == 5
        seen += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(made))  # newest first
    assert (await gql(LIST, {"first": 500}, token=agent.token)).error_codes == ["BAD_REQUEST"]
    bad = await gql(LIST, {"filter": {"roomTypeId": "nonsense"}}, token=agent.token)
    assert bad.error_codes == ["BAD_REQUEST"]


async def test_bookings_filter(gql, hotel, staff, guest):
    agent = await staff("booking_agent")
    first = await book(gql, agent.token, hotel.std, TODAY + D(days=3), 3)
    await book(gql, agent.token, hotel.dlx, TODAY + D(days=10), channel="WALK_IN")
    online = await book(
        gql,
        (await guest()).token,
        hotel.std,
        TODAY + D(days=20),
        channel="ONLINE",
        guest={"fullName": "Zhao Min", "email": "zhao@example.com"},
    )

    async def numbers(**criteria) -> list[str]:
        reply = await gql(LIST, {"filter": criteria}, token=agent.token)
        assert reply.errors == [], reply.errors
        return [e["node"]["number"] for e in reply.data["bookings"]["edges"]]

    assert await numbers(channel=["ONLINE"]) == [online["number"]]
    assert await numbers(stayingOn=(TODAY + D(days=5)).isoformat()) == [first["number"]]
    assert await numbers(guest="zhao") == [online["number"]]
    assert len(await numbers(roomTypeId=hotel.std)) == 2
    assert len(await numbers(checkInFrom=(TODAY + D(days=4)).isoformat())) == 2
    assert await numbers(status=["CANCELLED"]) == []


# -- every mutation refused to a role without the grant --------------------------------------

REFUSALS = [
    ("createBooking", "finance"),
    ("createBooking", "auditor"),
    ("createBooking", "anonymous"),
    ("createBooking", "partner:bookings:read"),
    ("confirmBooking", "cs_rep"),
    ("confirmBooking", "guest"),
    ("confirmBooking", "partner:bookings:write"),
    ("requestBookingChange", "finance"),
    ("requestBookingChange", "partner:bookings:read"),
    ("issueChangeConfirmation", "guest"),
    ("issueChangeConfirmation", "finance"),
    ("cancelBooking", "auditor"),
    ("cancelBooking", "anonymous"),
    ("cancelBooking", "partner:inventory:read"),
    ("checkInBooking", "cs_rep"),
    ("checkInBooking", "guest"),
    ("checkOutBooking", "finance"),
    ("markNoShow", "partner:bookings:write"),
    ("markNoShow", "cs_rep"),
]


async def _caller(who: str, staff, guest, partner_token) -> str | None:
    if who == "anonymous":
        return None
    if who == "guest":
        return (await guest()).token
    if who.startswith("partner:"):
        return (await partner_token(who.removeprefix("partner:"))).token
    return (await staff(who)).token


async def _send(gql, operation: str, booking: dict, token: str | None, hotel):
    later = (TODAY + D(days=12)).isoformat()
    if operation == "createBooking":
        given = await booking_input(hotel.std, channel="PHONE")
        return await gql(CREATE, {"input": given}, token=token)
    if operation == "confirmBooking":
        return await gql(CONFIRM, {"id": booking["id"]}, token=token)
    if operation == "requestBookingChange":
        change = {
            "bookingId": booking["id"],
            "checkOut": later,
            "authorization": {"kind": "WRITTEN_DOCUMENT", "documentId": "DOC-1"},
        }
        return await gql(CHANGE, {"input": change}, token=token)
    if operation == "issueChangeConfirmation":
        issue = {"bookingId": booking["id"], "checkOut": later}
        return await gql(ISSUE_CONFIRMATION, {"input": issue}, token=token)
    if operation == "cancelBooking":
        return await gql(CANCEL, {"id": booking["id"], "reason": "no"}, token=token)
    document = {"checkInBooking": CHECK_IN, "checkOutBooking": CHECK_OUT, "markNoShow": NO_SHOW}
    return await gql(document[operation], {"id": booking["id"]}, token=token)


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize(("operation", "who"), REFUSALS)
async def test_each_mutation_is_refused_to_a_role_without_the_grant(
    gql, hotel, staff, guest, partner_token, operation, who
):
    agent = await staff("booking_agent")
    # A booking that waits for review, arriving today: every operation applies to it.
    booking = await book(gql, agent.token, hotel.suite, TODAY, 3)
    assert booking["status"] == "PENDING_REVIEW"
    token = await _caller(who, staff, guest, partner_token)
    before = await Booking.get(id=pk_of(booking["id"]))

    reply = await _send(gql, operation, booking, token, hotel)
    expected = "UNAUTHENTICATED" if who == "anonymous" else "FORBIDDEN"
    assert reply.status == 200 and reply.error_codes == [expected]
    assert reply.data is None
    after = await Booking.get(id=pk_of(booking["id"]))
    assert (after.status, after.version, after.check_out) == (
        before.status,
        before.version,
        before.check_out,
    )
    assert await Booking.all().count() == 1
    assert await BookingChangeRequest.all().count() == 0
    assert await Refund.all().count() == 0
    # A signed-in caller's refusal is in the audit trail; an anonymous one is a log line (P0.3).
    denied = 0 if who == "anonymous" else 1
    assert await AuditEntry.filter(action=operation, outcome="DENIED").count() == denied


@pytest.mark.policy("P6.1.2")
async def test_the_matrix_narrows_a_staff_role_to_its_own_bookings(gql, hotel, staff, person):
    """A role granted `read_own` instead of `read` sees the bookings its account took."""
    admin, checker = await person("admin"), await person("admin")
    agent, colleague = await staff("booking_agent"), await staff("booking_agent")
    mine = await book(gql, agent.token, hotel.std)
    theirs = await book(gql, colleague.token, hotel.std)
    grant = """mutation($action: String!, $granted: Boolean!) {
      setRoleGrant(input: {role: "booking_agent", resource: "booking", action: $action,
                           granted: $granted, reason: "agents keep to their own bookings"}) {
        pendingOperation { id argumentsDigest } errors { code } } }"""
    for action, granted in (
        ("read", False),
        ("read_own", True),
        ("cancel", False),
        ("cancel_own", True),
    ):
        reply = await gql(grant, {"action": action, "granted": granted}, token=admin.token)
        assert reply.data["setRoleGrant"]["errors"] == []
        pending = reply.data["setRoleGrant"]["pendingOperation"]  # a second admin confirms
        assert (await confirm_through_api(gql, pending, checker.token))["errors"] == []
    assert await _numbers(gql, agent.token) == [mine["number"]]
    assert await _seen(gql, agent.token, theirs) == (False, False)
    refused = await gql(CANCEL, {"id": theirs["id"], "reason": "x"}, token=agent.token)
    assert [e["code"] for e in refused.data["cancelBooking"]["errors"]] == ["NOT_FOUND"]
    done = await gql(CANCEL, {"id": mine["id"], "reason": "guest called"}, token=agent.token)
    assert done.data["cancelBooking"]["booking"]["status"] == "CANCELLED"
