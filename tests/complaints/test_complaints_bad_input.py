"""Bad input to the complaint mutations (issue 9, "Bad input and failure"): a payload error
with a code and the field, nothing written, the refusal audited; never a server error."""

from __future__ import annotations

import pytest
from complaint_support import (
    FILE,
    HAND_OVER,
    RESOLVE,
    RESPOND,
    call,
    codes,
    complaint_input,
    file,
    ok,
    staff_gid,
)
from strawberry import relay

from domain.models import AuditEntry, Complaint, ComplaintEvent

pytestmark = pytest.mark.policy("P3.1.6")


@pytest.mark.parametrize(
    "given, field, code",
    [
        ({"description": "  "}, "description", "REQUIRED"),
        ({"description": "x" * 5001}, "description", "TOO_LONG"),
        ({"contactPhone": "call me"}, "contactPhone", "INVALID"),
        ({"contactName": "N" * 121}, "contactName", "TOO_LONG"),
        ({"bookingId": "not-an-id"}, "bookingId", "INVALID"),
        ({"bookingId": str(relay.GlobalID("Booking", "999"))}, "bookingId", "NOT_FOUND"),
        ({"memberId": str(relay.GlobalID("Member", "999"))}, "memberId", "NOT_FOUND"),
    ],
)
async def test_a_complaint_with_bad_input_is_refused(gql, person, given, field, code):
    rep = await person("cs_rep")
    payload = await call(gql, FILE, {"input": complaint_input(**given)}, rep.token, "fileComplaint")
    assert payload["complaint"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await Complaint.all().count() == 0
    assert await AuditEntry.filter(action="fileComplaint", outcome="REJECTED").count() == 1


async def test_answers_and_hand_overs_need_their_text(gql, person):
    rep, other = await person("cs_rep"), await person("cs_rep")
    complaint = await file(gql, rep.token)
    empty = await call(
        gql, RESPOND, {"id": complaint["id"], "m": " "}, rep.token, "respondToComplaint"
    )
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("message", "REQUIRED")]
    no_note = await call(
        gql,
        HAND_OVER,
        {"id": complaint["id"], "to": staff_gid(other.account.id), "note": ""},
        rep.token,
        "handOverComplaint",
    )
    assert codes(no_note) == ["REQUIRED"]
    assert await ComplaintEvent.all().count() == 1  # FILED only
    row = await Complaint.get(number=complaint["number"])
    assert row.first_response_at is None and row.handler_account_id == rep.account.id


async def test_a_resolved_complaint_takes_no_more_answers_nor_hand_overs(gql, person):
    rep, other = await person("cs_rep"), await person("cs_rep")
    complaint = await file(gql, rep.token)
    await ok(gql, RESOLVE, {"id": complaint["id"], "r": "Done."}, rep.token, "resolveComplaint")
    late = await call(
        gql, RESPOND, {"id": complaint["id"], "m": "more"}, rep.token, "respondToComplaint"
    )
    assert codes(late) == ["INVALID_TRANSITION"]
    handed = await call(
        gql,
        HAND_OVER,
        {"id": complaint["id"], "to": staff_gid(other.account.id), "note": "n"},
        rep.token,
        "handOverComplaint",
    )
    assert codes(handed) == ["INVALID_TRANSITION"]


@pytest.mark.parametrize(
    "complaint_id",
    ["nonsense", str(relay.GlobalID("Booking", "1")), str(relay.GlobalID("Complaint", "4242"))],
)
async def test_an_unknown_complaint_is_a_payload_error(gql, person, complaint_id):
    rep = await person("cs_rep")
    payload = await call(
        gql, RESOLVE, {"id": complaint_id, "r": "x"}, rep.token, "resolveComplaint"
    )
    assert codes(payload) in (["INVALID"], ["NOT_FOUND"])
    assert payload["errors"][0]["field"] == "complaintId"
