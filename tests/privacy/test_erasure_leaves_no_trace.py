"""The acceptance check of a deletion (P6.1.3, PIPL Art. 47): a guest with a distinctive name,
phone, e-mail and identity document number uses the hotel (membership, stays, a future booking,
a complaint, an inquiry, a survey, an export, e-mails delivered and pending), asks for their
data to be deleted, and afterwards none of the four strings is found in any table (every
column as stored and every field as read, decrypted), in any log file under DATA_DIR, or in any
outbox payload, while the bookings stay for accounting."""

from __future__ import annotations

import pytest

from domain import outbox
from domain.clock import clock
from domain.models import (
    Account,
    AuditEntry,
    Booking,
    ConsentRecord,
    DataSubjectRequest,
    Document,
    GuestProfile,
    OutboxEvent,
)
from server.messaging import delivery_settings
from tests.bookings.booking_support import (
    CHECK_IN,
    CHECK_OUT,
    TODAY,
    D,
    book,
    make_hotel,
    member_gid,
)
from tests.complaints import complaint_support as complaints
from tests.conftest import fresh_archive
from tests.inquiries.inquiry_support import recorded
from tests.members.member_support import REGISTER, TERMS
from tests.privacy.privacy_support import (
    file_request,
    sign_up_guest,
    traces_in_logs,
    traces_in_tables,
)
from workers.delivery import build_adapters

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.q7731@example.org"
PHONE = "+8613977313377"
ID_DOCUMENT = "QZ77310042"
NEEDLES = [NAME, EMAIL, PHONE, ID_DOCUMENT]
SUBMIT_SURVEY = """mutation($input: SubmitSatisfactionSurveyInput!) {
  submitSatisfactionSurvey(input: $input) { survey { id } errors { field code } } }"""
SURVEYS = "{ satisfactionSurveys(first: 5) { nodes { id answered } } }"


def dispatcher(settings) -> outbox.OutboxDispatcher:
    """The development channels: e-mails and texts are written to DATA_DIR/outbox/*.log."""
    return outbox.OutboxDispatcher(build_adapters(delivery_settings(settings)))


async def a_guest_who_used_everything(gql, person, settings) -> dict:
    hotel = await make_hotel()
    agent = await person("booking_agent")
    rep = await person("cs_rep")
    token = await sign_up_guest(gql, name=NAME, email=EMAIL, phone=PHONE)
    account = await Account.get(email=EMAIL)
    joined = await gql(
        REGISTER,
        {"input": {"acceptedTermsVersion": TERMS, "phone": PHONE, "marketingConsent": True}},
        token=token,
    )
    assert joined.data["registerMember"]["errors"] == [], joined.body
    member_id = (await Account.get(id=account.id)).member_id
    details = {"fullName": NAME, "phone": PHONE, "email": EMAIL, "idDocumentNumber": ID_DOCUMENT}
    # A member's stay today: booked by an agent, checked in and out (points, follow-up, survey).
    stay = await book(
        gql,
        agent.token,
        hotel.std,
        TODAY,
        1,
        guest=details,
        memberId=member_gid(member_id),
        specialRequests=f"Late arrival, call {NAME} on {PHONE}",
    )
    for document in (CHECK_IN, CHECK_OUT):
        reply = await gql(document, {"id": stay["id"]}, token=agent.token)
        assert next(iter(reply.data.values()))["errors"] == [], reply.body
    # A future stay the guest books online, confirmed at once (a voucher by e-mail).
    future = await book(
        gql, token, hotel.dlx, TODAY + D(days=30), 2, channel="ONLINE", guest=details
    )
    assert future["status"] == "CONFIRMED"
    # A phone booking an agent made for the same person (found by their contact details).
    await book(gql, agent.token, hotel.std, TODAY + D(days=60), 1, guest=details)
    # A complaint the guest files, handled and resolved by customer service.
    complaint = await complaints.file(
        gql,
        token,
        channel="ONLINE",
        description=f"I am {NAME}; call me on {PHONE} or write to {EMAIL}.",
        contactName=NAME,
        contactPhone=PHONE,
    )
    await complaints.ok(gql, complaints.TAKE, {"id": complaint["id"]}, rep.token, "takeComplaint")
    await complaints.ok(
        gql,
        complaints.RESPOND,
        {"id": complaint["id"], "m": f"Dear {NAME}, we are on it."},
        rep.token,
        "respondToComplaint",
    )
    await complaints.ok(
        gql,
        complaints.RESOLVE,
        {"id": complaint["id"], "r": f"Moved {NAME} to a quiet room."},
        rep.token,
        "resolveComplaint",
    )
    # An inquiry an agent took for them by phone.
    await recorded(
        gql,
        agent.token,
        contact={"fullName": NAME, "phone": PHONE, "email": EMAIL},
        notes=f"{NAME} asks about a sea view ({ID_DOCUMENT} on file).",
    )
    # The survey of the first stay, answered signed in.
    surveys = (await gql(SURVEYS, token=token)).data["satisfactionSurveys"]["nodes"]
    if surveys:
        answered = await gql(
            SUBMIT_SURVEY,
            {"input": {"surveyId": surveys[0]["id"], "score": 4, "comments": f"{NAME} liked it"}},
            token=token,
        )
        assert answered.data["submitSatisfactionSurvey"]["errors"] == [], answered.body
    # Some messages are delivered (the delivery logs keep them masked), later ones stay pending.
    assert (await dispatcher(settings).run_once(limit=500)).delivered > 5
    # A log an operator keeps under DATA_DIR (a server log tee'd there) that names the guest.
    logs = settings.data_dir / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    (logs / "server.log").write_text(
        f'{{"message": "booked", "guest": "{NAME}", "to": "{EMAIL}"}}\n'
        f'{{"message": "checked in", "phone": "{PHONE}", "document": "{ID_DOCUMENT}"}}\n'
        '{"message": "someone else"}\n',
        encoding="utf-8",
    )
    own_export = await file_request(gql, token, kind="EXPORT")
    assert own_export["errors"] == [] and own_export["downloadUrl"]
    pending_mail = await gql(
        "mutation($e: String!) { requestPasswordReset(input: {email: $e}) { ok } }",
        {"e": EMAIL},
    )
    assert pending_mail.errors == [], pending_mail.body
    return {"token": token, "account": account, "member_id": member_id, "hotel": hotel}


@pytest.mark.policy("P6.1.3")
async def test_a_deleted_guest_leaves_no_trace_in_any_table_log_or_payload(
    gql, http, person, settings, tmp_path
):
    with fresh_archive(tmp_path):
        used = await a_guest_who_used_everything(gql, person, settings)
        # The search finds them before (so it can find them at all).
        assert len(await traces_in_tables(NEEDLES)) > 10
        assert traces_in_logs(settings.data_dir, NEEDLES)
        assert await OutboxEvent.filter(status="PENDING").exists()
        bookings_before = await Booking.all().count()
        booking_ids = await Booking.all().values_list("id", flat=True)
        consents_before = await ConsentRecord.filter(granted=True).count()

        deleted = await file_request(gql, used["token"], kind="DELETION")

    assert deleted["errors"] == [], deleted["errors"]
    request = deleted["request"]
    assert request["status"] == "COMPLETED" and request["outcomeCode"] == "ERASED"
    assert await traces_in_tables(NEEDLES) == []
    assert traces_in_logs(settings.data_dir, NEEDLES) == []
    # Accounting keeps its bookings, without identity; the account is disabled.
    assert await Booking.all().count() == bookings_before
    account = await Account.get(id=used["account"].id)
    assert not account.is_active and account.email == f"erased-{account.id}@erased.invalid"
    me = await gql("{ me { kind } }", token=used["token"])
    assert me.status == 401 or me.errors, me.body
    # Their profiles keep no blind index; the message still waiting for them is stopped.
    for profile in await GuestProfile.filter(bookings__id__in=booking_ids).distinct():
        assert (profile.phone_index, profile.email_index, profile.id_document_index) == (
            None,
            None,
            None,
        )
    reset = await OutboxEvent.get(topic="account.password_reset")
    assert reset.status == "DEAD" and reset.payload["to"] == "[erased]"
    # Consents stay as evidence and are withdrawn; the export file is gone from the archive.
    assert await ConsentRecord.filter(granted=True).count() == consents_before
    assert await ConsentRecord.filter(granted=False, member_id=used["member_id"]).exists()
    exports = await Document.filter(related_subject_type="DataSubjectRequest")
    assert exports and all(d.status == "DELETED" for d in exports)
    # Recorded: the request row and its audit entry, neither with personal data.
    row = await DataSubjectRequest.get(kind="DELETION")
    assert row.completed_at == clock.now() and row.outcome_code == "ERASED"
    assert await AuditEntry.filter(
        action="dataSubjectRequest", outcome="SUCCESS", detail="DELETION"
    ).exists()


async def test_the_acceptance_search_does_not_miss_a_planted_trace(settings, tmp_path):
    """The check itself: a string in an encrypted JSON column is found as read, one in a
    plaintext column as stored, and one in a log file under DATA_DIR."""
    await OutboxEvent.create(topic="t", destination="EMAIL", payload={"to": EMAIL, "body": "x"})
    assert await traces_in_tables([EMAIL]) == ["outbox_event.payload read: ['" + EMAIL + "']"]
    await Account.create(email=EMAIL, password_hash="x", display_name="A", kind="GUEST")
    assert "account.email raw: ['" + EMAIL + "']" in await traces_in_tables([EMAIL])
    planted = settings.data_dir / "logs" / "planted.log"
    planted.parent.mkdir(mode=0o700, exist_ok=True)
    planted.write_text(f"{ID_DOCUMENT}\n", encoding="utf-8")
    try:
        assert traces_in_logs(settings.data_dir, [ID_DOCUMENT])
    finally:
        planted.unlink()
