"""The personal-data migration encrypts what an existing installation holds in plaintext
(P6.1.2): guest profiles and outbox payloads written before it read the same afterwards, are
ciphertext in the database, get their blind indexes, and on SQLite leave no plaintext in the
file once the WAL is checkpointed."""

from __future__ import annotations

import json

import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from domain import personal_data
from domain.bookings.profiles import same_contact
from domain.bookings.queries import matching_guests
from domain.models import GuestProfile, OutboxEvent
from server import db

LEGACY = ("Zhang San", "+8613700137000", "zhang.san@example.com", "E98765432")


async def _legacy_database(url: str) -> None:
    """A database as the version before encryption left it: a member's guest profile and a
    message to them."""
    await db.close()
    await run_migrations(config=db.tortoise_config(url), target="models.0001_initial")
    connection = Tortoise.get_connection("default")
    marks = "?, ?, ?, ?" if url.startswith("sqlite") else "$1, $2, $3, $4"
    await connection.execute_query(
        "INSERT INTO guest_profile (created_at, full_name, phone, email, id_document_number, "
        f"is_temporary, blacklisted, blacklist_reason) VALUES (CURRENT_TIMESTAMP, {marks}, "
        "TRUE, FALSE, '')",
        list(LEGACY),
    )
    # A member points at the profile, as in the demo database: no table remake may trip on it.
    await connection.execute_query(
        "INSERT INTO member (created_at, member_number, tier, points_balance, guest_profile_id, "
        "is_active) VALUES (CURRENT_TIMESTAMP, 'M000000001', 'STANDARD', 0, 1, TRUE)"
    )
    payload = json.dumps({"to": LEGACY[2], "subject": "Hello", "body": "Hi", "ref": None})
    marks = "?" if url.startswith("sqlite") else "$1"
    await connection.execute_query(
        "INSERT INTO outbox_event (created_at, topic, destination, payload, status, attempts, "
        f"last_error) VALUES (CURRENT_TIMESTAMP, 'booking.confirmed', 'EMAIL', {marks}, "
        "'PENDING', 0, '')",
        [payload],
    )
    await db.close()


@pytest.mark.policy("P6.1.2")
async def test_the_migration_encrypts_existing_plaintext_rows(scratch_database, tmp_path):
    url = scratch_database
    await _legacy_database(url)
    await db.migrate(url)

    connection = Tortoise.get_connection("default")
    (raw,) = await connection.execute_query_dict("SELECT * FROM guest_profile")
    assert not any(secret in str(raw) for secret in LEGACY)
    assert all(raw[c].startswith("pd1:") for c in ("full_name", "phone", "email"))
    profile = await GuestProfile.get()
    assert (profile.full_name, profile.phone, profile.email, profile.id_document_number) == LEGACY
    assert await GuestProfile.filter(same_contact("email", "zhang.san@example.com")).count() == 1
    assert await matching_guests("zhang").count() == 1
    (event,) = await connection.execute_query_dict("SELECT payload FROM outbox_event")
    assert LEGACY[2] not in str(event["payload"]) and "pd1:" in str(event["payload"])
    assert (await OutboxEvent.get()).payload["to"] == LEGACY[2]
    current = personal_data.keyring().current.key_id
    assert personal_data.key_id_of(raw["id_document_number"]) == current

    if url.startswith("sqlite"):
        await db.close()  # the last connection's close checkpoints the WAL into the file
        content = (tmp_path / "scratch.sqlite3").read_bytes()
        assert not any(secret.encode() in content for secret in LEGACY)
        await db.init(url)
