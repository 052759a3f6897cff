"""Uploading documents: tiers by kind, names `YYYYMMDD-NNNN-subject` unique under concurrency,
encryption at rest with two isolated copies of important files, and clean refusals (oversized,
forbidden type, store down) that leave no row and no copy behind."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest

from domain.clock import clock
from domain.documents import config
from domain.models import AuditEntry, Document, Notification
from storage import Archive, LocalBackend, S3Backend, S3Config, parse_name
from tests.documents.conftest import PDF, PNG, UPLOAD

CUSTOMER = "R3Vlc3RQcm9maWxlOjQy"  # GuestProfile:42


@pytest.mark.policy("P3.2.1")
async def test_contract_is_tier_one_encrypted_and_kept_on_two_stores(person, uploaded, archive):
    legal = await person("legal")
    doc = await uploaded(legal.token, kind="CONTRACT", subject="Linen supply ACME")
    assert doc["tier"] == 1
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert doc["size"] == len(PDF)
    row = await Document.get(name=doc["name"])
    assert row.stores == ["primary", "backup"]
    assert row.kek_id == "k1"
    for store in ("primary", "backup"):
        stored = archive.object_path(store, row.storage_key).read_bytes()
        assert PDF not in stored and b"%PDF" not in stored  # only ciphertext at rest
    assert archive.archive.read_bytes(row.archive_id, 1, row.storage_key) == PDF


@pytest.mark.policy("P3.2.4")
async def test_name_has_local_date_number_and_subject(person, uploaded):
    # 17:30 UTC on 26 November is 01:30 on the 27th in the hotel's time zone (Asia/Shanghai).
    clock.freeze(dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC))
    cs = await person("cs_rep")
    doc = await uploaded(
        cs.token, kind="CUSTOMER_FILE", subject="Passport copy 张三", related_to=CUSTOMER
    )
    assert doc["name"] == "20261127-0001-passport-copy-张三"
    parsed = parse_name(doc["name"])
    assert (parsed.date, parsed.number) == (dt.date(2026, 11, 27), 1)
    second = await uploaded(cs.token, kind="WORK_RECORD", subject="Shift handover")
    assert second["name"] == "20261127-0002-shift-handover"
    clock.advance(dt.timedelta(days=1))
    cs = await person("cs_rep")
    third = await uploaded(cs.token, kind="WORK_RECORD", subject="Shift handover")
    assert third["name"] == "20261128-0001-shift-handover"


@pytest.mark.policy("P3.2.4")
async def test_numbers_are_unique_under_concurrent_uploads(person, upload):
    agent = await person("booking_agent")
    replies = await asyncio.gather(
        *(upload(agent.token, kind="WORK_RECORD", subject=f"Night audit {i}") for i in range(12))
    )
    numbers = []
    for reply in replies:
        payload = reply.data["uploadDocument"]
        assert payload["errors"] == []
        numbers.append(payload["document"]["number"])
    assert sorted(numbers) == list(range(1, 13))
    assert await Document.all().count() == 12


@pytest.mark.policy("P3.2.3")
async def test_work_record_is_tier_three_on_the_primary_only(person, uploaded, archive):
    hr = await person("hr")
    doc = await uploaded(
        hr.token,
        kind="WORK_RECORD",
        subject="Training log",
        content=b"trained 4 staff",
        content_type="text/plain",
        filename="log.txt",
    )
    assert doc["tier"] == 3
    # Kept three years from the end of its (hotel-local) month: 1 Dec 2026 00:00 +08:00.
    assert doc["retainUntil"] == "2029-11-30T16:00:00+00:00"
    row = await Document.get(name=doc["name"])
    assert row.stores == ["primary"]
    assert not archive.object_path("backup", row.storage_key).exists()


@pytest.mark.policy("P3.2.2")
async def test_customer_file_must_name_its_customer(person, upload, uploaded):
    cs = await person("cs_rep")
    reply = await upload(
        cs.token,
        kind="CUSTOMER_FILE",
        subject="ID card",
        content=PNG,
        content_type="image/png",
        filename="id.png",
    )
    error = reply.data["uploadDocument"]["errors"][0]
    assert (error["code"], error["field"]) == ("REQUIRED", "relatedTo")
    doc = await uploaded(
        cs.token,
        kind="CUSTOMER_FILE",
        subject="ID card",
        content=PNG,
        content_type="image/png",
        filename="id.png",
        related_to=CUSTOMER,
    )
    assert doc["tier"] == 2
    assert doc["relatedTo"] == CUSTOMER
    assert doc["retainUntil"] is None


async def test_upload_over_the_limit_is_refused_and_leaves_nothing(person, upload, archive):
    previous = config.use_settings(
        config.DocumentSettings(link_secret=b"x" * 32, max_upload_bytes=1024)
    )
    try:
        legal = await person("legal")
        reply = await upload(legal.token, content=PDF + b"0" * 2000)
    finally:
        config.use_settings(previous)
    assert reply.status == 200
    error = reply.data["uploadDocument"]["errors"][0]
    assert (error["code"], error["field"]) == ("FILE_TOO_LARGE", "file")
    assert await Document.all().count() == 0
    assert list(archive.primary.list_keys()) == [] and list(archive.backup.list_keys()) == []
    entry = await AuditEntry.get(action="uploadDocument")
    assert entry.outcome == "REJECTED" and entry.detail.startswith("FILE_TOO_LARGE")


async def test_forbidden_content_type_is_refused(person, upload):
    legal = await person("legal")
    reply = await upload(
        legal.token,
        content=b"MZ\x90\x00",
        content_type="application/x-msdownload",
        filename="contract.exe",
    )
    assert reply.data["uploadDocument"]["errors"][0]["code"] == "CONTENT_TYPE_NOT_ALLOWED"
    disguised = await upload(legal.token, content=b"MZ\x90\x00 not a pdf", filename="c.pdf")
    assert disguised.data["uploadDocument"]["errors"][0]["code"] == "CONTENT_TYPE_NOT_ALLOWED"
    empty = await upload(legal.token, content=b"", content_type="text/plain", filename="e.txt")
    assert empty.data["uploadDocument"]["errors"][0]["code"] == "INVALID"
    assert await Document.all().count() == 0


async def test_subject_without_letters_is_refused(person, upload):
    legal = await person("legal")
    reply = await upload(legal.token, subject="--- !!! ---")
    error = reply.data["uploadDocument"]["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID", "subject")


@pytest.mark.policy("P3.2.5")
async def test_primary_store_down_fails_cleanly(person, upload, archive, s3_down):
    down = S3Backend(s3_down, name="primary")
    config.use_archive(Archive(archive.keyring, down, archive.backup, clock=clock.now))
    legal = await person("legal")
    reply = await upload(legal.token)
    assert reply.status == 200 and reply.errors == []
    error = reply.data["uploadDocument"]["errors"][0]
    assert error["code"] == "STORAGE_UNAVAILABLE"
    assert await Document.all().count() == 0
    assert list(archive.backup.list_keys()) == []


@pytest.mark.policy("P3.2.5")
async def test_backup_store_down_rolls_back_the_primary_copy(person, upload, archive, tmp_path):
    missing = LocalBackend(tmp_path / "unmounted", name="backup", create=False)
    config.use_archive(Archive(archive.keyring, archive.primary, missing, clock=clock.now))
    cs = await person("cs_rep")
    reply = await upload(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER)
    assert reply.data["uploadDocument"]["errors"][0]["code"] == "STORAGE_UNAVAILABLE"
    assert await Document.all().count() == 0
    assert list(archive.primary.list_keys()) == []


@pytest.mark.policy("P6.1.3")
async def test_new_contract_waits_for_legal_review_and_legal_is_told(person, uploaded):
    reviewer = await person("legal")
    director = await person("director")
    doc = await uploaded(director.token, kind="AGREEMENT", subject="Travel agency agreement")
    assert doc["legalReviewStatus"] == "PENDING"
    assert doc["isEffective"] is False
    note = await Notification.get(account_id=reviewer.account.id)
    assert note.kind == "CONTRACT_REVIEW" and doc["name"] in note.title


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize(
    ("role", "kind"),
    [("cs_rep", "CONTRACT"), ("data_analyst", "CUSTOMER_FILE"), ("finance", "WORK_RECORD")],
)
async def test_roles_upload_only_their_tiers(person, upload, role, kind):
    caller = await person(role)
    reply = await upload(caller.token, kind=kind, related_to=CUSTOMER)
    assert reply.error_codes == ["FORBIDDEN"]
    assert await Document.all().count() == 0
    assert await AuditEntry.filter(action="uploadDocument", outcome="DENIED").count() == 1


async def test_guest_and_anonymous_cannot_upload(person, upload):
    guest = await person(kind="GUEST")
    assert (await upload(guest.token)).error_codes == ["FORBIDDEN"]
    anonymous = await upload("")
    assert anonymous.error_codes == ["UNAUTHENTICATED"]


@pytest.fixture
def s3_down(closed_endpoint) -> S3Config:
    return S3Config(
        bucket="primary-down",
        endpoint_url=closed_endpoint,
        access_key="testing",
        secret_key="testing",
        addressing_style="path",
        max_attempts=1,
        connect_timeout=1,
    )


async def test_a_file_must_come_as_a_multipart_upload(gql, person):
    legal = await person("legal")
    variables = {"input": {"file": "JVBERi0=", "kind": "CONTRACT", "subject": "Inline"}}
    reply = await gql(UPLOAD, variables, token=legal.token)
    assert reply.data["uploadDocument"]["errors"][0] == {
        "field": "file",
        "code": "REQUIRED",
        "message": "Send the file as a GraphQL multipart upload.",
    }
