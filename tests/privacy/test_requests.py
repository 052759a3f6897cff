"""Data-subject requests through the API (P6.1.3; PIPL Arts. 44-50): a guest's export of their
own data as JSON behind a link only they can use, staff exports through a second person's
confirmation (P6.2.3), corrections checked like the originals and applied on review, a deletion
refused while the guest stays, due dates reminded and escalated once, and who may do what."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from strawberry import relay

from authz import tokens
from domain import privacy_rights
from domain.clock import clock
from domain.models import (
    Account,
    AuditEntry,
    Booking,
    DataSubjectRequest,
    Document,
    GuestProfile,
    Member,
    Notification,
)
from tests.bookings.booking_support import CHECK_IN, TODAY, D, book, make_hotel, member_gid
from tests.complaints import complaint_support as complaints
from tests.conftest import fresh_archive
from tests.dual_review_support import CONFIRM, confirm_through_api
from tests.members.member_support import REGISTER, TERMS
from tests.privacy.privacy_support import COMPLETE, LIST, file_request, sign_up_guest

NAME, EMAIL, PHONE = "Mei Chen", "mei.chen@example.com", "+8613900001111"
DOWNLOAD = """query($id: ID!) { documentDownloadUrl(documentId: $id, purpose: "hand to the guest")
  { url errors { code } } }"""
FILE_FOR = """mutation($input: DataSubjectRequestInput!) { dataSubjectRequest(input: $input) {
  request { id } errors { code } } }"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def a_member(gql) -> tuple[str, Account]:
    token = await sign_up_guest(gql, name=NAME, email=EMAIL, phone=PHONE)
    joined = await gql(
        REGISTER, {"input": {"acceptedTermsVersion": TERMS, "phone": PHONE}}, token=token
    )
    assert joined.data["registerMember"]["errors"] == [], joined.body
    return token, await Account.get(email=EMAIL)


async def download(http, url: str, token: str):
    path = url.split("hotel.test", 1)[-1]
    return await http.get(path, headers={"Authorization": f"Bearer {token}"})


# ---- export -------------------------------------------------------------------------------


@pytest.mark.policy("P6.1.3")
async def test_a_guest_exports_their_own_data_through_a_link_only_they_can_use(
    gql, http, person, tmp_path
):
    hotel = await make_hotel(40)
    agent = await person("booking_agent")
    token, account = await a_member(gql)
    booking = await book(
        gql, agent.token, hotel.std, TODAY + D(days=5), 2, memberId=member_gid(account.member_id)
    )
    complaint = await complaints.file(gql, token, channel="ONLINE", description="Cold room.")
    other = await person(kind="GUEST")
    with fresh_archive(tmp_path) as archive:
        payload = await file_request(gql, token, kind="EXPORT")
        assert payload["errors"] == [], payload["errors"]
        request = payload["request"]
        assert request["status"] == "COMPLETED" and request["outcomeCode"] == "EXPORTED"
        assert payload["downloadUrl"] and payload["downloadExpiresAt"]
        got = await download(http, payload["downloadUrl"], token)
        assert got.status_code == 200, got.text
        data = json.loads(got.content)
        assert data["account"]["email"] == EMAIL and "password_hash" not in data["account"]
        assert data["member"]["id"] == account.member_id
        assert [b["number"] for b in data["bookings"]] == [booking["number"]]
        assert {c["purpose"] for c in data["consentLedger"]} >= {"PRIVACY_NOTICE", "MEMBERSHIP"}
        assert all("phone_index" not in p for p in data["guestProfiles"])
        assert [c["number"] for c in data["complaints"]] == [complaint["number"]]
        assert data["complaints"][0]["description"] == "Cold room."
        assert {"payments", "notifications", "pointsEntries", "inquiries", "surveys"} <= set(data)
        # The link is the guest's alone; the file is encrypted in the archive.
        refused = await download(http, payload["downloadUrl"], other.token)
        assert refused.status_code == 403
        document = await Document.get(related_subject_type="DataSubjectRequest")
        assert document.tier == 2 and document.kind == "CUSTOMER_FILE"
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        stored = b"".join(p.read_bytes() for p in files)
        assert EMAIL.encode() not in stored and stored
        assert all(p.stat().st_mode & 0o077 == 0 for p in files)  # readable by us alone
        # Short-lived: once the link expires it reads nothing.
        clock.advance(D(minutes=6))
        late = await download(http, payload["downloadUrl"], token)
        assert late.status_code == 410
        assert archive is not None
    # Recorded without the personal data.
    entries = await AuditEntry.filter(action="dataSubjectRequest")
    assert entries and all(EMAIL not in e.detail and NAME not in e.detail for e in entries)


@pytest.mark.policy("P6.1.3")
async def test_an_export_of_someone_elses_data_is_refused(gql, person):
    await a_member(gql)
    someone = await person(kind="GUEST")
    payload = await file_request(gql, someone.token, kind="EXPORT", guestEmail=EMAIL)
    assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]
    assert payload["request"] is None and not await DataSubjectRequest.exists()
    assert await AuditEntry.filter(action="dataSubjectRequest", outcome="REJECTED").exists()


@pytest.mark.policy("P6.2.3")
async def test_a_staff_export_waits_for_a_second_person_then_reaches_the_maker(
    gql, http, person, tmp_path
):
    await a_member(gql)
    rep, supervisor = await person("cs_rep"), await person("supervisor")
    unverified = await file_request(gql, rep.token, kind="EXPORT", guestEmail=EMAIL)
    assert [(e["field"], e["code"]) for e in unverified["errors"]] == [("verification", "REQUIRED")]
    payload = await file_request(
        gql, rep.token, kind="EXPORT", guestEmail=EMAIL, verification="ID card checked at desk"
    )
    assert payload["errors"] == []
    assert payload["request"]["status"] == "AWAITING_REVIEW" and payload["downloadUrl"] is None
    pending = payload["pendingOperation"]
    # Customer service does not confirm operations; an admin who may confirm operations but
    # may not export personal data is refused by the domain.
    own = await gql(
        CONFIRM, {"id": pending["id"], "d": pending["argumentsDigest"]}, token=rep.token
    )
    assert own.error_codes == ["FORBIDDEN"]
    admin = await person("admin")
    refused = await confirm_through_api(gql, pending, admin.token)
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    with fresh_archive(tmp_path):
        done = await confirm_through_api(gql, pending, supervisor.token)
        assert done["errors"] == [] and done["operation"]["status"] == "EXECUTED"
        row = await DataSubjectRequest.get()
        assert row.status == "COMPLETED" and row.document_id is not None
        assert await Notification.filter(
            account_id=rep.account.id, kind="DATA_EXPORT_READY"
        ).exists()
        link = await gql(DOWNLOAD, {"id": gid("Document", row.document_id)}, token=rep.token)
        url = link.data["documentDownloadUrl"]["url"]
        got = await download(http, url, rep.token)
        assert got.status_code == 200 and json.loads(got.content)["account"]["email"] == EMAIL


# ---- correction ---------------------------------------------------------------------------


@pytest.mark.policy("P6.1.3")
async def test_a_correction_is_checked_like_the_original_and_applied_on_review(gql, person):
    token, account = await a_member(gql)
    supervisor = await person("supervisor")
    bad = await file_request(
        gql, token, kind="CORRECTION", corrections=[{"field": "PHONE", "value": "12"}]
    )
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("corrections.phone", "INVALID")]
    assert not await DataSubjectRequest.exists()
    filed = await file_request(
        gql,
        token,
        kind="CORRECTION",
        corrections=[
            {"field": "FULL_NAME", "value": "  Chen   Meiling "},
            {"field": "PHONE", "value": "+86 139 2222 3333"},
            {"field": "ID_DOCUMENT_NUMBER", "value": "e12345678"},
        ],
    )
    assert filed["errors"] == []
    request = filed["request"]
    assert request["status"] == "OPEN" and request["corrections"] == [
        {"field": "FULL_NAME", "value": "Chen Meiling"},
        {"field": "PHONE", "value": "+8613922223333"},
        {"field": "ID_DOCUMENT_NUMBER", "value": "E12345678"},
    ]
    assert await Notification.filter(
        account_id=supervisor.account.id, kind="DATA_REQUEST_FILED"
    ).exists()
    refuse = await gql(
        COMPLETE, {"input": {"requestId": request["id"], "approve": False}}, token=supervisor.token
    )
    assert refuse.data["completeDataSubjectRequest"]["errors"][0]["code"] == "REQUIRED"
    done = await gql(
        COMPLETE, {"input": {"requestId": request["id"], "approve": True}}, token=supervisor.token
    )
    answer = done.data["completeDataSubjectRequest"]
    assert answer["errors"] == [] and answer["request"]["outcomeCode"] == "CORRECTED"
    account = await Account.get(id=account.id)
    assert account.display_name == "Chen Meiling" and account.phone == "+8613922223333"
    member = await Member.get(id=account.member_id)
    profile = await GuestProfile.get(id=member.guest_profile_id)
    assert (profile.full_name, profile.phone, profile.id_document_number) == (
        "Chen Meiling",
        "+8613922223333",
        "E12345678",
    )
    assert (await DataSubjectRequest.get()).corrections is None
    again = await gql(
        COMPLETE, {"input": {"requestId": request["id"], "approve": True}}, token=supervisor.token
    )
    assert again.data["completeDataSubjectRequest"]["errors"][0]["code"] == "INVALID_TRANSITION"
    audit = await AuditEntry.filter(action="completeDataSubjectRequest", outcome="SUCCESS")
    assert audit and all("Meiling" not in e.detail for e in audit)


# ---- deletion -----------------------------------------------------------------------------


@pytest.mark.policy("P6.1.3")
@pytest.mark.parametrize("checked_in", [True, False])
async def test_a_deletion_is_refused_while_the_guest_stays(gql, person, checked_in):
    hotel = await make_hotel(10)
    agent = await person("booking_agent")
    token, account = await a_member(gql)
    booking = await book(
        gql, agent.token, hotel.std, TODAY - D(days=0), 2, memberId=member_gid(account.member_id)
    )
    if checked_in:
        reply = await gql(CHECK_IN, {"id": booking["id"]}, token=agent.token)
        assert reply.data["checkInBooking"]["errors"] == []
    else:
        clock.advance(D(days=1))  # the second night of a confirmed stay not checked in yet
        token = (await tokens.issue_session(account)).access_token
    payload = await file_request(gql, token, kind="DELETION")
    assert [e["code"] for e in payload["errors"]] == ["STAY_IN_PROGRESS"]
    assert booking["number"] in payload["errors"][0]["message"]
    assert not await DataSubjectRequest.exists()
    assert (await Account.get(id=account.id)).is_active
    assert (await Booking.get(number=booking["number"])).voucher_code


# ---- due dates ----------------------------------------------------------------------------


@pytest.mark.policy("P6.1.3")
async def test_due_requests_are_reminded_then_escalated_once_each(gql, person):
    token, _ = await a_member(gql)
    supervisor, director = await person("supervisor"), await person("director")
    filed = await file_request(
        gql, token, kind="CORRECTION", corrections=[{"field": "FULL_NAME", "value": "Chen M"}]
    )
    row = await DataSubjectRequest.get()
    assert row.due_at == clock.now() + dt.timedelta(days=15)
    assert filed["request"]["overdue"] is False
    assert await privacy_rights.remind_and_escalate() == {"reminded": 0, "escalated": 0}
    clock.advance(D(days=12))
    assert await privacy_rights.remind_and_escalate() == {"reminded": 1, "escalated": 0}
    assert await privacy_rights.remind_and_escalate() == {"reminded": 0, "escalated": 0}
    assert (
        await Notification.filter(account_id=supervisor.account.id, kind="DATA_REQUEST_DUE").count()
        == 1
    )
    clock.advance(D(days=3))
    assert await privacy_rights.remind_and_escalate() == {"reminded": 0, "escalated": 1}
    assert await privacy_rights.remind_and_escalate() == {"reminded": 0, "escalated": 0}
    told = await Notification.filter(kind="DATA_REQUEST_OVERDUE").values_list(
        "account_id", flat=True
    )
    assert sorted(told) == sorted([supervisor.account.id, director.account.id])
    fresh = (await tokens.issue_session(director.account)).access_token
    overdue = await gql(LIST, {"filter": {"overdue": True}}, token=fresh)
    assert overdue.data["dataSubjectRequests"]["totalCount"] == 1


# ---- who may ------------------------------------------------------------------------------


async def test_guests_see_their_own_requests_and_privacy_staff_all(gql, person):
    token, _ = await a_member(gql)
    await file_request(
        gql, token, kind="CORRECTION", corrections=[{"field": "FULL_NAME", "value": "Chen M"}]
    )
    someone = await person(kind="GUEST")
    theirs = await file_request(
        gql, someone.token, kind="CORRECTION", corrections=[{"field": "FULL_NAME", "value": "X Y"}]
    )
    assert theirs["errors"] == []
    mine = (await gql(LIST, token=token)).data["dataSubjectRequests"]
    assert mine["totalCount"] == 1 and mine["nodes"][0]["subject"]["displayName"] == NAME
    node = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": theirs["request"]["id"]}, token=token
    )
    assert node.data["node"] is None
    legal = await person("legal")
    every = (await gql(LIST, token=legal.token)).data["dataSubjectRequests"]
    assert every["totalCount"] == 2


@pytest.mark.parametrize(
    ("role", "field", "document", "variables"),
    [
        (
            "booking_agent",
            "dataSubjectRequest",
            FILE_FOR,
            {"input": {"kind": "DELETION", "guestEmail": EMAIL, "verification": "ID checked"}},
        ),
        ("finance", "dataSubjectRequests", LIST, {}),
        (
            "cs_rep",
            "completeDataSubjectRequest",
            COMPLETE,
            {"input": {"requestId": gid("DataSubjectRequest", 1), "approve": True}},
        ),
        (
            "guest",
            "completeDataSubjectRequest",
            COMPLETE,
            {"input": {"requestId": gid("DataSubjectRequest", 1), "approve": True}},
        ),
    ],
)
async def test_the_wrong_roles_are_refused(gql, person, role, field, document, variables):
    caller = await person(kind="GUEST") if role == "guest" else await person(role)
    reply = await gql(document, variables, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"], reply.body


async def test_anonymous_callers_and_partners_are_refused(gql, partner):
    anonymous = await gql(FILE_FOR, {"input": {"kind": "EXPORT"}})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    _row, secret = await partner(["bookings:read"])
    listed = await gql(LIST, token=secret)
    assert listed.error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P6.1.3")
async def test_privacy_staff_delete_the_data_of_a_guest_whose_identity_they_verified(gql, person):
    token, account = await a_member(gql)
    rep = await person("cs_rep")
    unverified = await file_request(gql, rep.token, kind="DELETION", guestEmail=EMAIL)
    assert [e["code"] for e in unverified["errors"]] == ["REQUIRED"]
    unknown = await file_request(
        gql, rep.token, kind="DELETION", guestEmail="nobody@example.com", verification="ID seen"
    )
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]
    assert not await DataSubjectRequest.exists() and (await Account.get(id=account.id)).is_active
    done = await file_request(
        gql, rep.token, kind="DELETION", guestEmail=EMAIL.upper(), verification="ID card seen"
    )
    assert done["errors"] == []
    request = done["request"]
    assert (request["channel"], request["outcomeCode"]) == ("STAFF", "ERASED")
    assert request["filedBy"]["id"] == f"account:{rep.account.id}"
    assert not (await Account.get(id=account.id)).is_active
    assert (await gql("{ me { kind } }", token=token)).status == 401


@pytest.mark.policy("P6.1.3")
async def test_a_deletion_keeps_the_documents_under_retention_and_says_why(gql, person):
    hotel = await make_hotel(40)
    agent = await person("booking_agent")
    token, account = await a_member(gql)
    booking = await book(
        gql, agent.token, hotel.std, TODAY + D(days=5), 2, memberId=member_gid(account.member_id)
    )
    pk = int(relay.GlobalID.from_id(booking["id"]).node_id)
    kept = await Document.create(
        archive_id="contract1",
        name="20261128-0001-guest-stay-contract",
        subject="stay contract",
        number=1,
        document_date=TODAY,
        tier=1,
        kind="CONTRACT",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        ciphertext_size=1,
        ciphertext_sha256="0" * 64,
        storage_key="tier-1/2026/11/contract.enc",
        kek_id="k1",
        retain_until=clock.now() + D(days=3650),
        related_subject_type="Booking",
        related_subject_id=str(pk),
    )
    done = await file_request(gql, token, kind="DELETION")
    assert done["errors"] == []
    [retained] = done["request"]["retained"]
    assert retained["documentId"] == gid("Document", kept.id)
    assert retained["name"] == kept.name and "under retention until 2036" in retained["reason"]
    assert (await Document.get(id=kept.id)).status == "ACTIVE"


@pytest.mark.policy("P6.1.3")
async def test_a_namesake_keeps_their_name_when_a_guest_is_deleted(gql, person):
    """A name another guest also has does not identify the erased guest: their own records
    lose it, the namesake's booking and messages keep it."""
    hotel = await make_hotel(40)
    agent = await person("booking_agent")
    token, account = await a_member(gql)
    namesake = {"fullName": NAME, "phone": "+8613700007777", "email": "other.mei@example.com"}
    theirs = await book(gql, agent.token, hotel.std, TODAY + D(days=3), 1, guest=namesake)
    mine = await book(
        gql, agent.token, hotel.std, TODAY + D(days=4), 1, memberId=member_gid(account.member_id)
    )
    done = await file_request(gql, token, kind="DELETION")
    assert done["errors"] == []
    other = await Booking.get(number=theirs["number"]).prefetch_related("guest")
    assert (other.guest.full_name, other.guest.email) == (NAME, "other.mei@example.com")
    erased = await Booking.get(number=mine["number"]).prefetch_related("guest")
    assert erased.guest.full_name == "Erased guest" and erased.guest.email is None
