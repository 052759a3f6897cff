"""Filing and handling complaints through the API (P3.1.6 first-contact responsibility and
tiered handling): who owns a complaint, hand-overs, the supervisor a MAJOR complaint needs,
resolving with a note, reopening within the window and rating once; personal data encrypted."""

from __future__ import annotations

import datetime as dt

import pytest
from complaint_support import (
    FILE,
    HAND_OVER,
    JOIN,
    RATE,
    REOPEN,
    RESOLVE,
    RESPOND,
    TAKE,
    call,
    codes,
    complaint_input,
    file,
    ok,
    pk_of,
    staff_gid,
    token_now,
    viewer_id,
)
from tortoise import Tortoise

from domain.clock import clock
from domain.models import AuditEntry, Complaint, ComplaintEvent, Notification

pytestmark = pytest.mark.policy("P3.1.6")


async def _raw(table: str, column: str, pk: int) -> str:
    connection = Tortoise.get_connection("default")
    rows = await connection.execute_query_dict(f'SELECT "{column}" FROM "{table}" WHERE id = {pk}')
    return rows[0][column]


async def test_the_rep_who_records_a_complaint_owns_it_and_resolves_a_general_one(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token, contactName="Li Wei", contactPhone="+86 138 0013 8000")
    assert complaint["status"] == "OPEN"
    assert complaint["owner"]["id"] == complaint["handler"]["id"] == viewer_id(rep.account.id)
    assert complaint["contactName"] == "Li Wei"
    assert complaint["contactPhone"] == "+8613800138000"
    answered = await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "We are sorry; moving you."},
        rep.token,
        "respondToComplaint",
    )
    assert answered["status"] == "IN_PROGRESS" and answered["firstResponseAt"]
    resolved = await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Moved to a quiet room."},
        rep.token,
        "resolveComplaint",
    )
    assert resolved["status"] == "RESOLVED"
    assert resolved["resolution"] == "Moved to a quiet room."
    assert [e["kind"] for e in resolved["events"]] == ["FILED", "RESPONDED", "RESOLVED"]
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.owner_account_id == rep.account.id and row.resolved_by_account_id == rep.account.id
    assert row.first_contact_resolved is True
    assert await AuditEntry.filter(action="resolveComplaint", outcome="SUCCESS").count() == 1


async def test_personal_data_of_a_complaint_is_encrypted_at_rest(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token, contactName="Li Wei", contactPhone="+8613800138000")
    pk = pk_of(complaint["id"])
    await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "Calling Li Wei back"},
        rep.token,
        "respondToComplaint",
    )
    for column in ("description", "contact_name", "contact_phone"):
        stored = await _raw("complaint", column, pk)
        assert "Li Wei" not in stored and "138" not in stored
    event = await ComplaintEvent.get(complaint_id=pk, kind="RESPONDED")
    assert "Li Wei" not in await _raw("complaint_event", "note", event.id)
    assert event.note == "Calling Li Wei back"


async def test_a_guest_filed_complaint_belongs_to_the_rep_who_takes_it(gql, person):
    guest, rep, other = await person(kind="GUEST"), await person("cs_rep"), await person("cs_rep")
    complaint = await file(gql, guest.token, channel="ONLINE")
    assert complaint["owner"] is None  # guests do not see staff, and nobody owns it yet
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.owner_account_id is None and row.guest_account_id == guest.account.id
    # customer service is told a complaint waits to be taken
    assert await Notification.filter(account_id=rep.account.id, kind="COMPLAINT_FILED").exists()
    taken = await ok(gql, TAKE, {"id": complaint["id"]}, rep.token, "takeComplaint")
    assert taken["owner"]["id"] == viewer_id(rep.account.id)
    again = await call(gql, TAKE, {"id": complaint["id"]}, other.token, "takeComplaint")
    assert codes(again) == ["CONFLICT"]
    # another rep may not answer a complaint someone else handles
    refused = await call(
        gql, RESPOND, {"id": complaint["id"], "m": "hi"}, other.token, "respondToComplaint"
    )
    assert codes(refused) == ["NOT_HANDLER"]
    assert (await Complaint.get(id=row.id)).first_response_at is None


async def test_the_first_answer_to_an_unowned_complaint_makes_the_rep_its_owner(gql, person):
    guest, rep = await person(kind="GUEST"), await person("cs_rep")
    complaint = await file(gql, guest.token)
    answered = await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "Looking into it."},
        rep.token,
        "respondToComplaint",
    )
    assert answered["owner"]["id"] == viewer_id(rep.account.id)
    # the guest is told, and follows the answer in their timeline
    assert await Notification.filter(
        account_id=guest.account.id, kind="COMPLAINT_ANSWERED"
    ).exists()


async def test_a_hand_over_keeps_the_owner_accountable_and_is_on_the_timeline(gql, person):
    first, second = await person("cs_rep"), await person("cs_rep")
    complaint = await file(gql, first.token)
    handed = await ok(
        gql,
        HAND_OVER,
        {"id": complaint["id"], "to": staff_gid(second.account.id), "note": "Night shift"},
        first.token,
        "handOverComplaint",
    )
    assert handed["owner"]["id"] == viewer_id(first.account.id)
    assert handed["handler"]["id"] == viewer_id(second.account.id)
    assert handed["handedOver"] is True
    hand_over = handed["events"][-1]
    assert hand_over["kind"] == "HANDED_OVER" and hand_over["note"] == "Night shift"
    assert hand_over["handedTo"]["id"] == viewer_id(second.account.id)
    assert await Notification.filter(
        account_id=second.account.id, kind="COMPLAINT_HANDED_OVER"
    ).exists()
    resolved = await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Refunded one night."},
        second.token,
        "resolveComplaint",
    )
    assert resolved["owner"]["id"] == viewer_id(first.account.id)
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.owner_account_id == first.account.id
    assert row.first_contact_resolved is False  # handed over: not resolved at first contact


async def test_hand_over_only_to_customer_service_staff(gql, person):
    rep, agent = await person("cs_rep"), await person("booking_agent")
    complaint = await file(gql, rep.token)
    variables = {"id": complaint["id"], "to": staff_gid(agent.account.id), "note": "yours"}
    refused = await call(gql, HAND_OVER, variables, rep.token, "handOverComplaint")
    assert codes(refused) == ["INVALID"]
    variables["to"] = staff_gid(rep.account.id)
    assert codes(await call(gql, HAND_OVER, variables, rep.token, "handOverComplaint")) == [
        "INVALID"
    ]
    assert (await Complaint.get(id=pk_of(complaint["id"]))).handed_over is False


async def test_a_major_complaint_is_resolved_only_once_a_supervisor_took_part(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    complaint = await file(gql, rep.token, severity="MAJOR", category="STAFF")
    refused = await call(
        gql, RESOLVE, {"id": complaint["id"], "r": "Apologised."}, rep.token, "resolveComplaint"
    )
    assert codes(refused) == ["SUPERVISOR_REQUIRED"]
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.status == "OPEN" and row.resolution is None
    assert await AuditEntry.filter(action="resolveComplaint", outcome="REJECTED").count() == 1
    joined = await ok(gql, JOIN, {"id": complaint["id"]}, supervisor.token, "joinComplaint")
    assert joined["supervisorJoinedAt"]
    assert joined["owner"]["id"] == viewer_id(rep.account.id)  # joining does not take it over
    resolved = await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Apologised, refunded."},
        rep.token,
        "resolveComplaint",
    )
    assert resolved["status"] == "RESOLVED"
    kinds = [e["kind"] for e in resolved["events"]]
    assert kinds == ["FILED", "SUPERVISOR_JOINED", "RESOLVED"]


async def test_a_supervisor_may_resolve_a_major_complaint_themselves(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    complaint = await file(gql, rep.token, severity="MAJOR")
    resolved = await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Compensated."},
        supervisor.token,
        "resolveComplaint",
    )
    assert resolved["status"] == "RESOLVED" and resolved["supervisorJoinedAt"]


async def test_a_supervisors_answer_counts_as_taking_part(gql, person):
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    complaint = await file(gql, rep.token, severity="MAJOR")
    await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "I am the duty supervisor."},
        supervisor.token,
        "respondToComplaint",
    )
    resolved = await ok(
        gql, RESOLVE, {"id": complaint["id"], "r": "Settled."}, rep.token, "resolveComplaint"
    )
    assert resolved["status"] == "RESOLVED"


async def test_resolving_needs_a_note_and_happens_once(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token)
    for note in ("", "   "):
        refused = await call(
            gql, RESOLVE, {"id": complaint["id"], "r": note}, rep.token, "resolveComplaint"
        )
        assert refused["errors"] == [
            {
                "field": "resolution",
                "message": "Say how the complaint was resolved.",
                "code": "REQUIRED",
            }
        ]
    assert (await Complaint.get(id=pk_of(complaint["id"]))).status == "OPEN"
    await ok(gql, RESOLVE, {"id": complaint["id"], "r": "Done."}, rep.token, "resolveComplaint")
    twice = await call(
        gql, RESOLVE, {"id": complaint["id"], "r": "Again."}, rep.token, "resolveComplaint"
    )
    assert codes(twice) == ["INVALID_TRANSITION"]
    assert (await Complaint.get(id=pk_of(complaint["id"]))).resolution == "Done."


async def test_the_guest_reopens_within_the_window_and_not_after(gql, person):
    guest, rep = await person(kind="GUEST"), await person("cs_rep")
    complaint = await file(gql, guest.token)
    await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Fixed the air conditioning."},
        rep.token,
        "resolveComplaint",
    )
    clock.advance(dt.timedelta(days=13))
    guest_token, rep_token = await token_now(guest.account), await token_now(rep.account)
    reopened = await ok(
        gql, REOPEN, {"id": complaint["id"], "r": "Broken again."}, guest_token, "reopenComplaint"
    )
    assert reopened["status"] == "IN_PROGRESS" and reopened["reopenCount"] == 1
    assert reopened["resolveDueAt"] > complaint["resolveDueAt"]  # a new resolution deadline
    assert await Notification.filter(account_id=rep.account.id, kind="COMPLAINT_REOPENED").exists()
    await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "Replaced the unit."},
        rep_token,
        "resolveComplaint",
    )
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.first_contact_resolved is False  # it needed a second go
    clock.advance(dt.timedelta(days=14, seconds=1))
    late = await call(
        gql,
        REOPEN,
        {"id": complaint["id"], "r": "Still."},
        await token_now(guest.account),
        "reopenComplaint",
    )
    assert codes(late) == ["REOPEN_WINDOW_CLOSED"]
    assert (await Complaint.get(id=row.id)).status == "RESOLVED"


async def test_only_a_resolved_complaint_is_reopened_and_with_a_reason(gql, person):
    guest = await person(kind="GUEST")
    complaint = await file(gql, guest.token)
    early = await call(
        gql, REOPEN, {"id": complaint["id"], "r": "?"}, guest.token, "reopenComplaint"
    )
    assert codes(early) == ["INVALID_TRANSITION"]
    no_reason = await call(
        gql, REOPEN, {"id": complaint["id"], "r": " "}, guest.token, "reopenComplaint"
    )
    assert codes(no_reason) == ["REQUIRED"]


async def test_the_guest_rates_the_resolution_once_from_1_to_5(gql, person):
    guest, rep = await person(kind="GUEST"), await person("cs_rep")
    complaint = await file(gql, guest.token)
    early = await call(
        gql, RATE, {"id": complaint["id"], "s": 4}, guest.token, "rateComplaintResolution"
    )
    assert codes(early) == ["INVALID_TRANSITION"]
    await ok(gql, RESOLVE, {"id": complaint["id"], "r": "Refunded."}, rep.token, "resolveComplaint")
    for score in (0, 6, -1):
        refused = await call(
            gql, RATE, {"id": complaint["id"], "s": score}, guest.token, "rateComplaintResolution"
        )
        assert codes(refused) == ["OUT_OF_RANGE"]
    rated = await ok(
        gql,
        RATE,
        {"id": complaint["id"], "s": 4, "c": "Quick, thanks"},
        guest.token,
        "rateComplaintResolution",
    )
    assert rated["satisfactionScore"] == 4
    twice = await call(
        gql, RATE, {"id": complaint["id"], "s": 1}, guest.token, "rateComplaintResolution"
    )
    assert codes(twice) == ["DUPLICATE"]
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.satisfaction_score == 4 and row.satisfaction_comment == "Quick, thanks"


async def test_the_guest_follows_their_complaint_without_internal_steps(gql, person):
    guest, first, second = (
        await person(kind="GUEST"),
        await person("cs_rep"),
        await person("cs_rep"),
    )
    complaint = await file(gql, guest.token)
    await ok(gql, TAKE, {"id": complaint["id"]}, first.token, "takeComplaint")
    await ok(
        gql,
        HAND_OVER,
        {"id": complaint["id"], "to": staff_gid(second.account.id), "note": "guest is difficult"},
        first.token,
        "handOverComplaint",
    )
    await ok(
        gql,
        RESPOND,
        {"id": complaint["id"], "m": "We will call you today."},
        second.token,
        "respondToComplaint",
    )
    reply = await gql(
        "query($id: ID!) { node(id: $id) { ... on Complaint { status owner { id } handler { id }"
        " events { kind note actor { id } } } } }",
        {"id": complaint["id"]},
        token=guest.token,
    )
    seen = reply.data["node"]
    assert seen["owner"] is None and seen["handler"] is None
    assert [(e["kind"], e["note"], e["actor"]) for e in seen["events"]] == [
        ("FILED", None, None),
        ("RESPONDED", "We will call you today.", None),
    ]


async def test_a_guest_links_only_their_own_booking_and_membership(gql, person):
    guest = await person(kind="GUEST")
    from tests.bookings.booking_support import book, make_hotel, member_gid, new_member

    hotel = await make_hotel(nights=30)
    agent = await person("booking_agent")
    someone_elses = await book(gql, agent.token, hotel.std)
    reply = await call(
        gql,
        FILE,
        {"input": complaint_input(bookingId=someone_elses["id"])},
        guest.token,
        "fileComplaint",
    )
    assert codes(reply) == ["NOT_FOUND"]
    other_member = await new_member(name="Zhang San")
    reply = await call(
        gql,
        FILE,
        {"input": complaint_input(memberId=member_gid(other_member))},
        guest.token,
        "fileComplaint",
    )
    assert codes(reply) == ["NOT_FOUND"]
    assert await Complaint.all().count() == 0
    # staff link any booking; the complaint shows its number
    rep = await person("cs_rep")
    linked = await file(gql, rep.token, bookingId=someone_elses["id"])
    assert linked["bookingNumber"] == someone_elses["number"]


async def test_the_guest_is_told_in_their_saved_language(gql, person):
    guest, rep = await person(kind="GUEST", language="zh-CN"), await person("cs_rep")
    complaint = await file(gql, guest.token)
    await ok(
        gql, RESOLVE, {"id": complaint["id"], "r": "已更换房间。"}, rep.token, "resolveComplaint"
    )
    told = await Notification.get(account_id=guest.account.id, kind="COMPLAINT_RESOLVED")
    assert told.title == f"您的投诉 {complaint['number']} 已解决"


async def test_customer_service_reopens_on_the_guests_word_within_the_window(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token, channel="PHONE")
    await ok(gql, RESOLVE, {"id": complaint["id"], "r": "Fixed."}, rep.token, "resolveComplaint")
    reopened = await ok(
        gql,
        REOPEN,
        {"id": complaint["id"], "r": "Guest called: not fixed."},
        rep.token,
        "reopenComplaint",
    )
    assert reopened["status"] == "IN_PROGRESS"
    assert reopened["events"][-1]["kind"] == "REOPENED"
    assert reopened["events"][-1]["actorRole"] == "cs_rep"
