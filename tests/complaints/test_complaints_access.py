"""Who may see and do what with complaints (P3.1.6, P6.1.2): customer service, supervisors and
directors see and handle them; booking agents record them and follow what they recorded;
guests only their own; analysts only the KPIs; partner tokens and anonymous callers nothing.
Every refused role is refused and nothing is written."""

from __future__ import annotations

import pytest
from complaint_support import (
    FILE,
    HAND_OVER,
    JOIN,
    KPIS,
    LIST,
    NODE,
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
)

from domain.models import AuditEntry, Complaint, ComplaintEvent
from tests.dual_review_support import confirm_through_api

pytestmark = pytest.mark.policy("P3.1.6")


async def _refused(gql, document: str, variables: dict, token: str | None) -> list[str]:
    reply = await gql(document, variables, token=token)
    return reply.error_codes


@pytest.mark.parametrize("role", ["data_analyst", "finance", "hr", "auditor", "admin", "legal"])
async def test_roles_without_complaint_duties_neither_see_nor_file_complaints(gql, person, role):
    rep, someone = await person("cs_rep"), await person(role)
    complaint = await file(gql, rep.token)
    assert await _refused(gql, LIST, {}, someone.token) == ["FORBIDDEN"]
    assert await _refused(gql, FILE, {"input": complaint_input()}, someone.token) == ["FORBIDDEN"]
    reply = await gql(NODE, {"id": complaint["id"]}, token=someone.token)
    assert reply.data["node"] is None
    assert await Complaint.all().count() == 1
    assert await AuditEntry.filter(action="fileComplaint", outcome="DENIED").count() == 1


async def test_anonymous_callers_and_partner_tokens_get_nothing(gql, person, partner):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token)
    _, secret = await partner(["bookings:read", "bookings:write", "inventory:read"])
    for token, code in ((None, "UNAUTHENTICATED"), (secret, "FORBIDDEN")):
        assert await _refused(gql, LIST, {}, token) == [code]
        assert await _refused(gql, FILE, {"input": complaint_input()}, token) == [code]
        assert await _refused(gql, RESPOND, {"id": complaint["id"], "m": "x"}, token) == [code]
        assert await _refused(gql, KPIS, {"start": "2026-11-01", "end": "2026-11-30"}, token) == [
            code
        ]
        assert (await gql(NODE, {"id": complaint["id"]}, token=token)).data["node"] is None
    assert await Complaint.all().count() == 1


@pytest.mark.parametrize("role", ["booking_agent", "data_analyst"])
async def test_only_customer_service_handles_complaints(gql, person, role):
    rep, someone = await person("cs_rep"), await person(role)
    other = await person("cs_rep")
    complaint = await file(gql, rep.token)
    ident = {"id": complaint["id"]}
    for document, variables in (
        (TAKE, ident),
        (RESPOND, {**ident, "m": "hello"}),
        (HAND_OVER, {**ident, "to": staff_gid(other.account.id), "note": "n"}),
        (RESOLVE, {**ident, "r": "done"}),
        (JOIN, ident),
        (REOPEN, {**ident, "r": "again"}),
        (RATE, {**ident, "s": 5}),
    ):
        assert await _refused(gql, document, variables, someone.token) == ["FORBIDDEN"]
    row = await Complaint.get(id=pk_of(complaint["id"]))
    assert row.status == "OPEN" and row.handler_account_id == rep.account.id
    assert await ComplaintEvent.filter(complaint_id=row.id).count() == 1  # FILED only


async def test_a_rep_may_not_join_as_supervisor_nor_rate_for_the_guest(gql, person):
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token, severity="MAJOR")
    assert await _refused(gql, JOIN, {"id": complaint["id"]}, rep.token) == ["FORBIDDEN"]
    await ok(
        gql,
        RESOLVE,
        {"id": complaint["id"], "r": "x"},
        (await person("director")).token,
        "resolveComplaint",
    )
    assert await _refused(gql, RATE, {"id": complaint["id"], "s": 5}, rep.token) == ["FORBIDDEN"]
    assert (await Complaint.get(id=pk_of(complaint["id"]))).satisfaction_score is None


async def test_guests_see_and_act_on_only_their_own_complaints(gql, person):
    alice, bob, rep = await person(kind="GUEST"), await person(kind="GUEST"), await person("cs_rep")
    mine = await file(gql, alice.token)
    theirs = await file(gql, bob.token)
    listed = await gql(LIST, {}, token=alice.token)
    assert [e["node"]["id"] for e in listed.data["complaints"]["edges"]] == [mine["id"]]
    assert (await gql(NODE, {"id": theirs["id"]}, token=alice.token)).data["node"] is None
    assert (await gql(NODE, {"id": mine["id"]}, token=alice.token)).data["node"]["description"]
    await ok(gql, RESOLVE, {"id": theirs["id"], "r": "Done."}, rep.token, "resolveComplaint")
    for document, variables, field in (
        (REOPEN, {"id": theirs["id"], "r": "no"}, "reopenComplaint"),
        (RATE, {"id": theirs["id"], "s": 1}, "rateComplaintResolution"),
    ):
        assert codes(await call(gql, document, variables, alice.token, field)) == ["NOT_FOUND"]
    for document, variables in (
        (RESPOND, {"id": mine["id"], "m": "x"}),
        (RESOLVE, {"id": mine["id"], "r": "x"}),
        (TAKE, {"id": mine["id"]}),
    ):
        assert await _refused(gql, document, variables, alice.token) == ["FORBIDDEN"]
    assert await _refused(gql, KPIS, {"start": "2026-11-01", "end": "2026-11-30"}, alice.token) == [
        "FORBIDDEN"
    ]
    row = await Complaint.get(id=pk_of(theirs["id"]))
    assert row.reopen_count == 0 and row.satisfaction_score is None


async def test_a_member_guest_sees_complaints_staff_recorded_for_their_membership(gql, person):
    from tests.bookings.booking_support import member_gid, new_member

    member_id = await new_member()
    guest, rep = await person(kind="GUEST", member_id=member_id), await person("cs_rep")
    recorded = await file(gql, rep.token, memberId=member_gid(member_id))
    listed = await gql(LIST, {}, token=guest.token)
    assert [e["node"]["id"] for e in listed.data["complaints"]["edges"]] == [recorded["id"]]


async def test_a_booking_agent_records_for_customer_service_and_follows_only_those(gql, person):
    agent, rep = await person("booking_agent"), await person("cs_rep")
    recorded = await file(gql, agent.token, channel="WALK_IN")
    assert recorded["owner"] is None  # an agent does not handle complaints: it waits to be taken
    assert recorded["recordedBy"]["id"] == f"account:{agent.account.id}"
    others = await file(gql, rep.token)
    listed = await gql(LIST, {}, token=agent.token)
    assert [e["node"]["id"] for e in listed.data["complaints"]["edges"]] == [recorded["id"]]
    assert (await gql(NODE, {"id": others["id"]}, token=agent.token)).data["node"] is None
    taken = await ok(gql, TAKE, {"id": recorded["id"]}, rep.token, "takeComplaint")
    assert taken["owner"]["id"] == f"account:{rep.account.id}"


async def test_contact_details_are_masked_for_roles_without_guest_contact_data(gql, person):
    """A guest sees their own in full; staff without the guest-contact grant see a mask."""
    rep = await person("cs_rep")
    complaint = await file(gql, rep.token, contactName="Li Wei", contactPhone="+8613800138000")
    admin, checker = await person("admin"), await person("admin")
    revoke = """mutation { setRoleGrant(input: {role: "cs_rep", resource: "guest_contact",
      action: "read", granted: false, reason: "test"}) {
      pendingOperation { id argumentsDigest } errors { code } } }"""
    asked = (await gql(revoke, token=admin.token)).data["setRoleGrant"]
    assert asked["errors"] == []
    confirmed = await confirm_through_api(gql, asked["pendingOperation"], checker.token)
    assert confirmed["errors"] == []
    reply = await gql(
        "query($id: ID!) { node(id: $id) { ... on Complaint { contactName contactPhone } } }",
        {"id": complaint["id"]},
        token=rep.token,
    )
    assert reply.data["node"] == {"contactName": "Li Wei", "contactPhone": "+86*******8000"}
