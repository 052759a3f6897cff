"""Who reaches inquiries and their statistics (P6.1.2 access-permission matrix): the staff who
take inquiries record, read and close them; a guest reads only their own; a partner token with
the inquiries:write scope only what it recorded; data analysts read the conversion statistics
(aggregates) and not the inquiries with their contact details. Every refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from inquiry_support import AVAILABILITY, LIST, LOST, NODE, RECORD, STATS, inquiry_input, recorded
from strawberry.permission import PermissionExtension

from domain.models import AuditEntry, Inquiry
from schema.inquiries import InquiryMutation, InquiryQuery
from schema.permissions import Allow
from tests.bookings.booking_support import TODAY, D


@pytest.mark.policy("P6.1.2")
def test_every_inquiry_field_declares_a_permission():
    checked = []
    for root in (InquiryQuery, InquiryMutation):
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
    assert set(checked) == {"inquiries", "conversion_stats", "record_inquiry", "mark_inquiry_lost"}


async def _ids(gql, token) -> list[str]:
    reply = await gql(LIST, {"first": 50}, token=token)
    assert reply.errors == [], reply.errors
    return sorted(n["id"] for n in reply.data["inquiries"]["nodes"])


async def _node(gql, token, inquiry) -> bool:
    reply = await gql(NODE, {"id": inquiry["id"]}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["node"] is not None


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "supervisor", "director"])
async def test_staff_who_take_inquiries_read_every_inquiry(gql, staff, partner_token, role):
    await recorded(gql, (await staff("booking_agent")).token)
    await recorded(gql, (await partner_token("inquiries:write")).token, channel="PARTNER")
    reader = await staff(role)
    assert (await gql(LIST, token=reader.token)).data["inquiries"]["totalCount"] == 2


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["data_analyst", "finance", "legal", "hr", "auditor", "admin"])
async def test_other_staff_and_analysts_read_no_inquiry(gql, staff, role):
    inquiry = await recorded(gql, (await staff("booking_agent")).token)
    someone = await staff(role)
    assert (await gql(LIST, token=someone.token)).error_codes == ["FORBIDDEN"]
    assert await _node(gql, someone.token, inquiry) is False


@pytest.mark.policy("P6.1.2")
async def test_guests_see_only_their_own_inquiries(gql, staff, guest, hotel):
    me, other = await guest(member=True), await guest()
    start = TODAY + D(days=10)
    search = {"in": start.isoformat(), "out": (start + D(days=1)).isoformat(), "guests": 1}
    for who in (me, other):
        assert (await gql(AVAILABILITY, search, token=who.token)).errors == []
    phone = await recorded(gql, (await staff("booking_agent")).token)
    mine = await _ids(gql, me.token)
    assert len(mine) == 1 and mine != await _ids(gql, other.token)
    assert await _node(gql, me.token, {"id": mine[0]}) is True
    assert await _node(gql, me.token, phone) is False
    recording = await gql(RECORD, {"input": inquiry_input(channel="ONLINE")}, token=me.token)
    assert recording.error_codes == ["FORBIDDEN"]
    closing = await gql(LOST, {"input": {"inquiryId": mine[0], "reason": "PRICE"}}, token=me.token)
    assert closing.error_codes == ["FORBIDDEN"]
    assert await Inquiry.filter(status="OPEN").count() == 3


@pytest.mark.policy("P6.1.2")
async def test_partners_see_and_close_only_what_their_token_recorded(gql, staff, partner_token):
    ota, other = await partner_token("inquiries:write"), await partner_token("inquiries:write")
    ours = await recorded(gql, ota.token, channel="PARTNER")
    theirs = await recorded(gql, other.token, channel="PARTNER")
    phone = await recorded(gql, (await staff("booking_agent")).token)
    assert await _ids(gql, ota.token) == [ours["id"]]
    for hidden in (theirs, phone):
        assert await _node(gql, ota.token, hidden) is False
        refused = await gql(
            LOST, {"input": {"inquiryId": hidden["id"], "reason": "PRICE"}}, token=ota.token
        )
        assert refused.data["markInquiryLost"]["errors"][0]["code"] == "NOT_FOUND"
    closed = await gql(
        LOST, {"input": {"inquiryId": ours["id"], "reason": "COMPETITOR"}}, token=ota.token
    )
    assert closed.data["markInquiryLost"]["errors"] == []
    assert await Inquiry.filter(status="LOST").count() == 1


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["data_analyst", "supervisor", "director"])
async def test_analysts_and_managers_read_the_statistics(gql, staff, role):
    reader = await staff(role)
    variables = {"from": TODAY.isoformat(), "to": TODAY.isoformat(), "by": "STAFF"}
    reply = await gql(STATS, variables, token=reader.token)
    assert reply.errors == [] and reply.data["conversionStats"]["total"]["inquiries"] == 0


# -- every field refused to a caller without the grant ---------------------------------------

REFUSALS = [
    ("recordInquiry", "data_analyst"),
    ("recordInquiry", "finance"),
    ("recordInquiry", "guest"),
    ("recordInquiry", "anonymous"),
    ("recordInquiry", "partner:bookings:write"),
    ("markInquiryLost", "data_analyst"),
    ("markInquiryLost", "auditor"),
    ("markInquiryLost", "guest"),
    ("markInquiryLost", "anonymous"),
    ("markInquiryLost", "partner:bookings:write"),
    ("inquiries", "anonymous"),
    ("inquiries", "partner:bookings:read"),
    ("conversionStats", "booking_agent"),
    ("conversionStats", "cs_rep"),
    ("conversionStats", "guest"),
    ("conversionStats", "anonymous"),
    ("conversionStats", "partner:inquiries:write"),
]


async def _caller(who: str, staff, guest, partner_token) -> str | None:
    if who == "anonymous":
        return None
    if who == "guest":
        return (await guest()).token
    if who.startswith("partner:"):
        return (await partner_token(who.removeprefix("partner:"))).token
    return (await staff(who)).token


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize(("operation", "who"), REFUSALS)
async def test_each_field_is_refused_to_a_caller_without_the_grant(
    gql, staff, guest, partner_token, operation, who
):
    inquiry = await recorded(gql, (await staff("booking_agent")).token)
    token = await _caller(who, staff, guest, partner_token)
    expected = ["UNAUTHENTICATED"] if who == "anonymous" else ["FORBIDDEN"]
    if operation == "recordInquiry":
        reply = await gql(RECORD, {"input": inquiry_input()}, token=token)
    elif operation == "markInquiryLost":
        lost = {"inquiryId": inquiry["id"], "reason": "PRICE"}
        reply = await gql(LOST, {"input": lost}, token=token)
    elif operation == "inquiries":
        reply = await gql(LIST, token=token)
    else:
        today = dt.date.isoformat(TODAY)
        reply = await gql(STATS, {"from": today, "to": today}, token=token)
    assert reply.error_codes == expected
    row = await Inquiry.get()
    assert await Inquiry.all().count() == 1 and row.status == "OPEN"
    if operation in ("recordInquiry", "markInquiryLost") and who != "anonymous":
        assert await AuditEntry.filter(action=operation, outcome="DENIED").count() == 1
