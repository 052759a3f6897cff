"""Personal data is not lying around in the clear (P6.1.2, issue 7 item 6): guest details are
encrypted in the database (no plaintext in rows, in the SQLite file or its WAL), found through
keyed blind indexes, shown per role, masked in outbox payloads and delivery logs, every file
under DATA_DIR is private, and rows written under an old field key still read after rotation."""

from __future__ import annotations

import os
import stat

import pytest
from booking_support import GUEST, TODAY, D, book, create, member_gid
from tortoise import Tortoise

from authz import tokens
from domain import personal_data
from domain.actor import SYSTEM
from domain.bookings import set_blacklisted
from domain.models import GuestProfile, OutboxEvent
from domain.personal_data import FieldKeyring
from domain.personal_data.rotation import reencrypt
from domain.unit_of_work import audited
from server.privacy import sqlite_path
from tests.conftest import make_account
from workers import jobs

ID_NUMBER = "G12345678"
DETAILS = {**GUEST, "idDocumentNumber": ID_NUMBER}
PLAINTEXT = ("Li Wei", "+8613800138000", "8613800138000", "li.wei@example.com", ID_NUMBER)

BY_NUMBER = """
query($n: String!) { booking(number: $n) {
  number guest { fullName phone email idDocumentNumber } member { memberNumber pointsBalance }
} }"""
OUTBOX = "{ outboxEvents(first: 20) { edges { node { destination payload } } } }"
SEARCH = """
query($text: String!) { bookings(filter: {guest: $text}) { edges { node { number } } } }"""

needs_sqlite = pytest.mark.skipif(
    os.environ.get("HOTEL_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="reads the SQLite file itself (the PostgreSQL run checks the rows)",
)


async def _all_rows() -> dict[str, list[dict]]:
    connection = Tortoise.get_connection("default")
    return {
        model._meta.db_table: await connection.execute_query_dict(
            f'SELECT * FROM "{model._meta.db_table}"'
        )
        for model in Tortoise.apps["models"].values()
    }


async def _shown_to(gql, token: str, number: str) -> dict:
    reply = await gql(BY_NUMBER, {"n": number}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["booking"]


@pytest.mark.policy("P6.1.2")
async def test_no_table_holds_a_guest_detail_in_plaintext(gql, hotel, staff):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, guest=DETAILS)
    assert booking["guest"]["idDocumentNumber"] == ID_NUMBER  # the API still shows it
    leaks = [
        (table, column)
        for table, rows in (await _all_rows()).items()
        for row in rows
        for column, value in row.items()
        if any(secret.lower() in str(value).lower() for secret in PLAINTEXT)
    ]
    assert leaks == []
    (profile,) = (await _all_rows())["guest_profile"]
    for column in ("full_name", "phone", "email", "id_document_number"):
        assert profile[column].startswith("pd1:"), column
    # The ORM reads the plaintext back.
    assert (await GuestProfile.get()).id_document_number == ID_NUMBER


@needs_sqlite
@pytest.mark.policy("P6.1.2")
async def test_the_sqlite_file_and_its_wal_hold_no_identity_number(gql, hotel, staff, settings):
    agent = await staff("booking_agent")
    await book(gql, agent.token, hotel.std, guest=DETAILS)
    database = sqlite_path(settings.database_url)

    def file_bytes() -> bytes:
        return b"".join(
            path.read_bytes()
            for path in (database, database.with_name(database.name + "-wal"))
            if path.exists()
        )

    for secret in PLAINTEXT:
        assert secret.encode() not in file_bytes()
    await Tortoise.get_connection("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
    for secret in PLAINTEXT:
        assert secret.encode() not in database.read_bytes()


@pytest.mark.policy("P6.1.2")
async def test_everything_under_data_dir_is_private_and_logs_are_delivery_records(
    gql, hotel, staff, settings
):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, guest=DETAILS)
    report = await jobs.deliver_outbox({})
    assert report["delivered"] == 3
    loose = []
    for folder, dirs, files in os.walk(settings.data_dir):
        for name in dirs:
            if stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) != 0o700:
                loose.append(os.path.join(folder, name))
        for name in files:
            if stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) & 0o077:
                loose.append(os.path.join(folder, name))
    assert loose == []
    outbox_dir = settings.data_dir / "outbox"
    logs = "".join((outbox_dir / f"{name}.log").read_text() for name in ("email", "sms", "pms"))
    for secret in (*PLAINTEXT, booking["voucher"]["code"]):
        assert secret not in logs
    email_log = (outbox_dir / "email.log").read_text()
    assert "l***@example.com" in email_log and booking["number"] in email_log
    assert "+86*******8000" in (outbox_dir / "sms.log").read_text()


@pytest.mark.policy("P6.1.2")
async def test_each_role_sees_guest_details_as_it_needs_them(
    gql, hotel, staff, guest, partner_token
):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std, guest=DETAILS)
    full = {
        "fullName": "Li Wei",
        "phone": "+8613800138000",
        "email": "li.wei@example.com",
        "idDocumentNumber": ID_NUMBER,
    }
    assert (await _shown_to(gql, agent.token, booking["number"]))["guest"] == full
    cs_rep = await _shown_to(gql, (await staff("cs_rep")).token, booking["number"])
    assert cs_rep["guest"] == {**full, "idDocumentNumber": "*****5678"}
    masked = {
        "fullName": "Li Wei",
        "phone": "+86*******8000",
        "email": "l***@example.com",
        "idDocumentNumber": "*****5678",
    }
    for role in ("finance", "auditor"):
        shown = await _shown_to(gql, (await staff(role)).token, booking["number"])
        assert shown["guest"] == masked, role
    # Roles that may not read bookings do not reach the guest at all.
    for role in ("admin", "data_analyst"):
        reply = await gql(BY_NUMBER, {"n": booking["number"]}, token=(await staff(role)).token)
        assert reply.error_codes == ["FORBIDDEN"], role

    me = await guest()
    mine = await book(gql, me.token, hotel.std, channel="ONLINE", guest=DETAILS)
    assert (await _shown_to(gql, me.token, mine["number"]))["guest"] == full

    ota = await partner_token("bookings:write")
    theirs = await book(gql, ota.token, hotel.std, channel="PARTNER", guest=DETAILS)
    assert theirs["guest"] == {**masked, "idDocumentNumber": None}


@pytest.mark.policy("P6.1.2")
async def test_a_partner_booking_for_a_member_does_not_see_the_points_balance(
    gql, hotel, staff, guest, partner_token
):
    member = await guest(member=True, points=4200)
    ota = await partner_token("bookings:write", "bookings:read")
    for_member = member_gid(member.member_id)
    booking = await book(
        gql, ota.token, hotel.std, channel="PARTNER", guest=None, memberId=for_member
    )
    assert booking["member"]["pointsBalance"] is None
    assert booking["member"]["memberNumber"]
    assert (await _shown_to(gql, ota.token, booking["number"]))["member"]["pointsBalance"] is None
    own = await _shown_to(gql, member.token, booking["number"])
    assert own["member"]["pointsBalance"] == 4200
    for role, balance in (("booking_agent", 4200), ("finance", 4200), ("auditor", None)):
        shown = await _shown_to(gql, (await staff(role)).token, booking["number"])
        assert shown["member"]["pointsBalance"] == balance, role


async def _payloads(gql, token: str) -> dict[str, dict]:
    reply = await gql(OUTBOX, token=token)
    assert reply.errors == [], reply.errors
    edges = reply.data["outboxEvents"]["edges"]
    return {edge["node"]["destination"]: edge["node"]["payload"] for edge in edges}


@pytest.mark.policy("P6.1.2")
async def test_outbox_payloads_are_masked_for_operators_who_may_not_read_bookings(
    gql, hotel, staff
):
    agent = await staff("booking_agent")
    booking = await book(
        gql, agent.token, hotel.std, guest=DETAILS, specialRequests="Allergic to nuts"
    )
    code = booking["voucher"]["code"]
    admin = await staff("admin")
    payloads = await _payloads(gql, admin.token)
    assert payloads["EMAIL"]["to"] == "l***@example.com"
    assert payloads["SMS"]["to"] == "+86*******8000"
    assert payloads["PMS_WEBHOOK"]["guestName"] == "L. W."
    assert payloads["PMS_WEBHOOK"]["specialRequests"] == "***"
    text = str(payloads)
    assert code not in text and f"{booking['number']}.****" in payloads["EMAIL"]["body"]
    for secret in PLAINTEXT:
        assert secret not in text
    # An operator who may also read bookings and contact guests sees what was sent.
    both = await make_account("ops@test.hotel", ["admin", "booking_agent"])
    token = (await tokens.issue_session(both)).access_token
    payloads = await _payloads(gql, token)
    assert payloads["EMAIL"]["to"] == "li.wei@example.com" and code in payloads["EMAIL"]["body"]
    assert payloads["PMS_WEBHOOK"]["guestName"] == "Li Wei"
    assert payloads["PMS_WEBHOOK"]["specialRequests"] == "Allergic to nuts"
    # At rest the payload is ciphertext; the dispatcher reads it decrypted.
    raw = (await _all_rows())["outbox_event"]
    assert all("pd1:" in str(row["payload"]) for row in raw)
    assert (await OutboxEvent.get(destination="EMAIL")).payload["to"] == "li.wei@example.com"


@pytest.mark.policy("P6.1.2")
@pytest.mark.policy("P3.1.2")
async def test_guests_are_found_by_email_phone_and_name_through_blind_indexes(
    gql, hotel, staff
):
    agent = await staff("booking_agent")
    first = await book(gql, agent.token, hotel.std, guest=DETAILS)
    other = await book(
        gql, agent.token, hotel.dlx, guest={"fullName": "Zhao Min", "email": "zhao@example.com"}
    )

    async def found(text: str) -> list[str]:
        reply = await gql(SEARCH, {"text": text}, token=agent.token)
        assert reply.errors == [], reply.errors
        return [e["node"]["number"] for e in reply.data["bookings"]["edges"]]

    for text in ("li.wei@example.com", "LI.WEI@example.com", "+86 138 0013 8000", "li wei", "Wei"):
        assert await found(text) == [first["number"]], text
    assert await found("zha") == [other["number"]]
    assert await found("example") == []  # neither a word nor the start of one
    assert await found("zhao@example.com") == [other["number"]]

    # The blacklist matches another profile with the same e-mail through its blind index.
    profile = await GuestProfile.get(id=(await GuestProfile.all().order_by("id").first()).id)
    await audited(
        SYSTEM, "blacklist", "GuestProfile",
        lambda: set_blacklisted(SYSTEM, profile.id, True, "damaged the room"),
    )
    again = await create(
        gql, agent.token, hotel.std, TODAY + D(days=30),
        guest={"fullName": "Someone Else", "email": "li.wei@example.com"},
    )
    assert again["booking"]["status"] == "PENDING_REVIEW"


@pytest.mark.policy("P6.1.2")
async def test_rows_written_under_an_old_field_key_still_read_after_rotation(gql, hotel, staff):
    agent = await staff("booking_agent")
    old = await book(gql, agent.token, hotel.std, guest=DETAILS)
    original = personal_data.keyring()
    rotated = FieldKeyring.from_masters([("rotated-2", os.urandom(32))]).plus(original)
    personal_data.configure(rotated)
    try:
        shown = await _shown_to(gql, agent.token, old["number"])
        assert shown["guest"]["idDocumentNumber"] == ID_NUMBER
        new = await book(
            gql, agent.token, hotel.std, TODAY + D(days=20), guest={**DETAILS, "fullName": "Li Na"}
        )
        profiles = (await _all_rows())["guest_profile"]
        key_ids = sorted(personal_data.key_id_of(p["id_document_number"]) for p in profiles)
        assert key_ids == sorted([original.current.key_id, "rotated-2"])
        # Both rows are found by e-mail while they sit under different keys.
        reply = await gql(SEARCH, {"text": "li.wei@example.com"}, token=agent.token)
        assert {e["node"]["number"] for e in reply.data["bookings"]["edges"]} == {
            old["number"], new["number"]
        }
        summary = await reencrypt()
        assert summary.rewritten.get("guest_profile") == 1
        profiles = (await _all_rows())["guest_profile"]
        assert {personal_data.key_id_of(p["full_name"]) for p in profiles} == {"rotated-2"}
        assert (await reencrypt()).rewritten == {}  # idempotent
        # The old key can go: everything reads under the new one alone.
        personal_data.configure(FieldKeyring(rotated.keys[:1]))
        shown = await _shown_to(gql, agent.token, old["number"])
        assert shown["guest"]["email"] == "li.wei@example.com"
        reply = await gql(SEARCH, {"text": "+8613800138000"}, token=agent.token)
        assert len(reply.data["bookings"]["edges"]) == 2
    finally:
        personal_data.configure(original)


@pytest.mark.policy("P6.1.2")
def test_field_keys_are_their_own_with_the_archive_derived_ones_kept_for_reading(settings):
    from server.privacy import field_keyring
    from storage import Keyring

    derived = field_keyring(settings)
    archive_ids = Keyring.from_string(settings.resolved_archive_keys()).ids
    assert derived.ids == tuple(f"archive.{key_id}" for key_id in archive_ids)
    archive = Keyring.from_string(settings.resolved_archive_keys())
    # Derived, never the archive key itself (key separation).
    assert derived.current.encryption_key != archive.key(archive.current_id)
    own = field_keyring(
        settings.model_copy(update={"field_keys": Keyring.generate_entry("pii-2026")})
    )
    assert own.ids == ("pii-2026", *derived.ids)
    assert own.current.encryption_key != derived.current.encryption_key
