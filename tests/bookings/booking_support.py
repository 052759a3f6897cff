"""Helpers of the booking API tests: the GraphQL documents a frontend sends, a small hotel, and
shortcuts that book through the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from strawberry import relay

from domain import inventory, members
from domain.actor import SYSTEM
from domain.bookings import GuestDetails, booking_terms
from domain.models import BookingNight, InventoryNight
from domain.unit_of_work import audited

# Saturday 28 November 2026, 10:00 at the hotel (the suite's frozen clock).
TODAY = dt.date(2026, 11, 28)
D = dt.timedelta

BOOKING_FIELDS = """
  id number status channel checkIn checkOut guests nights specialRequests
  totalAmount currency pointsRedeemed termsVersion createdAt
  voucher { code issuedAt }
  roomType { id code name capacity baseRate currency }
  guest { fullName phone email idDocumentNumber }
  member { id memberNumber tier pointsBalance }
"""
CREATE = f"""
mutation($input: CreateBookingInput!) {{
  createBooking(input: $input) {{
    booking {{ {BOOKING_FIELDS} }}
    errors {{ field message code }}
  }}
}}"""
CONFIRM = """
mutation($id: ID!) { confirmBooking(input: {bookingId: $id}) {
  booking { number status voucher { code } } errors { field message code } } }"""
CANCEL = """
mutation($id: ID!, $reason: String!, $key: String) {
  cancelBooking(input: {bookingId: $id, reason: $reason, idempotencyKey: $key}) {
    booking { number status }
    refund { id amount status rule currency pointsReturned }
    errors { field message code }
  }
}"""
CHANGE = """
mutation($input: RequestBookingChangeInput!) {
  requestBookingChange(input: $input) {
    changeRequest { id status urgent approvalId newCheckOut newTotal
                    approvals { level role decidedBy decision } }
    booking { number checkIn checkOut totalAmount }
    errors { field message code }
  }
}"""
CHECK_IN = """
mutation($id: ID!, $room: ID) { checkInBooking(input: {bookingId: $id, roomId: $room}) {
  booking { status room { number } } errors { field message code } } }"""
CHECK_OUT = """
mutation($id: ID!) { checkOutBooking(input: {bookingId: $id}) {
  booking { status } errors { field message code } } }"""
NO_SHOW = """
mutation($id: ID!) { markNoShow(input: {bookingId: $id}) {
  booking { status refunds { kind amount } } errors { field message code } } }"""
ISSUE_CONFIRMATION = """
mutation($input: IssueChangeConfirmationInput!) { issueChangeConfirmation(input: $input) {
  confirmationToken expiresAt errors { field message code } } }"""
LIST = """
query($first: Int, $after: String, $filter: BookingFilter) {
  bookings(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id number channel status } }
  }
}"""
BY_NUMBER = "query($n: String!) { booking(number: $n) { number guest { fullName } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Booking { number } } }"
VERIFY = """
query($code: String!) { verifyVoucher(code: $code) {
  valid reason booking { number status checkIn checkOut roomType { code } } } }"""


@dataclass
class Hotel:
    std: str  # global RoomType ids
    dlx: str
    suite: str  # expensive: bookings of it wait for review
    single: str  # one room only: for last-room races
    pks: dict[str, int]


def room_type_gid(pk: int) -> str:
    return str(relay.GlobalID("RoomType", str(pk)))


def member_gid(pk: int) -> str:
    return str(relay.GlobalID("Member", str(pk)))


def pk_of(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


async def make_hotel(nights: int = 90) -> Hotel:
    """Four room types with rooms, and `nights` nights of rates and inventory from today."""
    end = TODAY + D(days=nights)
    pks: dict[str, int] = {}

    async def room_type(code: str, name: str, capacity: int, base: str, rooms: int) -> str:
        async def work():
            rt = await inventory.create_room_type(
                SYSTEM, code=code, name=name, capacity=capacity, base_rate=Decimal(base)
            )
            numbers = [f"{code}{i:02d}" for i in range(1, rooms + 1)]
            await inventory.add_rooms(SYSTEM, rt.id, numbers)
            await inventory.set_nightly_rates(SYSTEM, rt.id, TODAY, end, Decimal(base))
            return rt

        rt = await audited(SYSTEM, "setUpRoomType", "RoomType", work)
        pks[code] = rt.id
        return room_type_gid(rt.id)

    return Hotel(
        std=await room_type("STD", "Standard", 2, "500.00", 5),
        dlx=await room_type("DLX", "Deluxe", 3, "800.00", 3),
        suite=await room_type("STE", "Suite", 4, "9000.00", 2),
        single=await room_type("ONE", "Last Room", 2, "300.00", 1),
        pks=pks,
    )


async def new_member(points: int = 0, name: str = "Wang Fang") -> int:
    details = GuestDetails(full_name=name, phone="+8613900139000", email="wang.fang@example.com")
    member = await audited(
        SYSTEM,
        "createMember",
        "Member",
        lambda: members.create_member(SYSTEM, details, points=points),
    )
    return member.id


async def terms_version() -> str:
    return (await booking_terms()).version


GUEST = {"fullName": "Li Wei", "phone": "+86 138 0013 8000", "email": "li.wei@example.com"}


async def booking_input(
    room_type: str,
    check_in: dt.date = TODAY + D(days=10),
    nights: int = 2,
    *,
    channel: str = "PHONE",
    guests: int = 2,
    guest: dict | None = GUEST,
    **extra,
) -> dict:
    given = {
        "channel": channel,
        "roomTypeId": room_type,
        "checkIn": check_in.isoformat(),
        "checkOut": (check_in + D(days=nights)).isoformat(),
        "guests": guests,
        "acceptedTermsVersion": await terms_version(),
        **extra,
    }
    if guest is not None:
        given["guest"] = guest
    return given


async def create(gql, token: str | None, room_type: str, *args, **kwargs) -> dict:
    """createBooking through the API; returns the payload (booking, errors)."""
    reply = await gql(
        CREATE, {"input": await booking_input(room_type, *args, **kwargs)}, token=token
    )
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data["createBooking"]


async def book(gql, token: str | None, room_type: str, *args, **kwargs) -> dict:
    """A booking that must succeed."""
    payload = await create(gql, token, room_type, *args, **kwargs)
    assert payload["errors"] == [], payload["errors"]
    return payload["booking"]


async def sold(room_type_pk: int, day: dt.date) -> int:
    return (await InventoryNight.get(room_type_id=room_type_pk, date=day)).sold


async def assert_inventory_consistent() -> None:
    """Every inventory night has sold exactly as many rooms as bookings hold that night."""
    held: dict[tuple[int, dt.date], int] = {}
    for night in await BookingNight.all():
        key = (night.room_type_id, night.date)
        held[key] = held.get(key, 0) + 1
    for row in await InventoryNight.all():
        assert row.sold == held.pop((row.room_type_id, row.date), 0), (row.room_type_id, row.date)
        assert 0 <= row.sold <= row.capacity
    assert not held, f"nights held without inventory rows: {held}"
