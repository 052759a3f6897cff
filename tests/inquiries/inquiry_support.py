"""The GraphQL documents of the inquiry tests and shortcuts that record through the API."""

from __future__ import annotations

import datetime as dt

from strawberry import relay

from tests.bookings.booking_support import TODAY, D

INQUIRY_FIELDS = """
  id channel status checkIn checkOut nights guests notes fromSearch takenByStaffId takenByName
  takenByPartner lostReason lostNote createdAt closedAt
  budget { amount currency }
  roomType { code }
  guest { fullName phone email }
  member { memberNumber }
  booking { number status }
"""
RECORD = f"""
mutation($input: RecordInquiryInput!) {{
  recordInquiry(input: $input) {{ inquiry {{ {INQUIRY_FIELDS} }} errors {{ field message code }} }}
}}"""
LOST = f"""
mutation($input: MarkInquiryLostInput!) {{
  markInquiryLost(input: $input) {{
    inquiry {{ {INQUIRY_FIELDS} }} errors {{ field message code }}
  }}
}}"""
LIST = """
query($first: Int, $after: String, $filter: InquiryFilter) {
  inquiries(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id channel status checkIn checkOut guests fromSearch takenByName
            booking { number } }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Inquiry { status channel notes } } }"
AVAILABILITY = """query($in: Date!, $out: Date!, $guests: Int) {
  availability(checkIn: $in, checkOut: $out, guests: $guests) { available } }"""
STATS = """
query($from: Date!, $to: Date!, $by: StatsGrouping) {
  conversionStats(period: {from: $from, to: $to}, groupBy: $by) {
    periodFrom periodTo groupBy
    groups { channel staffId staffName inquiries converted lost open conversionRatePercent
             customers repeatCustomers repeatRatePercent }
    total { inquiries converted lost open conversionRatePercent customers repeatCustomers
            repeatRatePercent }
    conversionGoal { baselinePercent targetPercent actualPercent progressPercent }
    repeatPurchaseGoal { baselinePercent targetPercent actualPercent progressPercent }
  }
}"""

CONTACT = {"fullName": "Zhang San", "phone": "+86 139 1234 5678", "email": "zhang.san@example.com"}


def inquiry_input(
    check_in: dt.date = TODAY + D(days=10),
    nights: int = 2,
    *,
    channel: str = "PHONE",
    guests: int = 2,
    **extra,
) -> dict:
    return {
        "channel": channel,
        "checkIn": check_in.isoformat(),
        "checkOut": (check_in + D(days=nights)).isoformat(),
        "guests": guests,
        **extra,
    }


async def record(gql, token: str, *args, **kwargs) -> dict:
    """recordInquiry through the API; returns the payload (inquiry, errors)."""
    reply = await gql(RECORD, {"input": inquiry_input(*args, **kwargs)}, token=token)
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data["recordInquiry"]


async def recorded(gql, token: str, *args, **kwargs) -> dict:
    """An inquiry that must be recorded."""
    payload = await record(gql, token, *args, **kwargs)
    assert payload["errors"] == [], payload["errors"]
    return payload["inquiry"]


def inquiry_pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)
