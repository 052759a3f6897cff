"""Retention: tier 1 is write-once and no role deletes it early; customer files are removed by
authorised roles; work records are archived monthly and purged by a job after their retention,
which records what it removed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from domain.clock import clock
from domain.documents import config
from domain.models import AuditEntry, Document, WorkRecordSeal
from tests.dual_review_support import confirm_through_api, set_parameter_reviewed
from workers import jobs

DELETE = """
mutation($id: ID!, $r: String!) {
  deleteDocument(input: {documentId: $id, reason: $r}) {
    document { status } pendingOperation { id argumentsDigest } errors { field code message }
  }
}"""
CUSTOMER = "R3Vlc3RQcm9maWxlOjQy"


async def delete(gql, person, doc, reason="Purpose of processing ended", checker=None) -> dict:
    """Ask for the deletion as `person`; with a `checker`, a second person confirms it
    (P6.2.3) and the answer is the document's status after it and the confirmation's errors."""
    reply = await gql(DELETE, {"id": doc["id"], "r": reason}, token=person.token)
    assert reply.errors == [], reply.errors
    payload = reply.data["deleteDocument"]
    if payload["errors"] or checker is None:
        return payload
    assert (await Document.get(name=doc["name"])).status == "ACTIVE"  # not before the checker
    confirmed = await confirm_through_api(gql, payload["pendingOperation"], checker.token)
    status = (await Document.get(name=doc["name"])).status
    return {"document": {"status": status}, "errors": confirmed["errors"]}


@pytest.mark.policy("P3.2.1")
@pytest.mark.parametrize("role", ["director", "legal"])
async def test_no_role_deletes_a_contract_within_retention(gql, person, uploaded, archive, role):
    caller = await person(role)
    doc = await uploaded(caller.token)
    result = await delete(gql, caller, doc)
    error = result["errors"][0]
    assert error["code"] == "RETENTION_LOCKED" and "2036-11-28" in error["message"]
    row = await Document.get(name=doc["name"])
    assert row.status == "ACTIVE"
    assert archive.primary.exists(row.storage_key) and archive.backup.exists(row.storage_key)
    # The stores refuse on their own as well: retention is not only a database flag.
    with pytest.raises(Exception) as refused:
        archive.archive.purge(row.storage_key)
    assert getattr(refused.value, "code", None) == "RETENTION_LOCKED"


@pytest.mark.policy("P3.2.1")
async def test_a_contract_may_be_deleted_once_retention_is_over(gql, person, uploaded, archive):
    clock.freeze(dt.datetime(2016, 11, 20, 2, 0, tzinfo=dt.UTC))
    legal = await person("legal")
    doc = await uploaded(legal.token)
    row = await Document.get(name=doc["name"])
    assert row.retain_until == dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    clock.freeze(dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC))
    legal, director = await person("legal"), await person("director")
    result = await delete(gql, legal, doc, "Retention period over", checker=director)
    assert result == {"document": {"status": "DELETED"}, "errors": []}
    assert not archive.primary.exists(row.storage_key)
    assert not archive.backup.exists(row.storage_key)
    tombstone = await Document.get(id=row.id)
    assert tombstone.removal_reason == "Retention period over"
    assert tombstone.removed_by_ref == f"account:{legal.account.id}"


@pytest.mark.policy("P3.2.2")
async def test_customer_file_is_removed_by_a_supervisor(gql, person, uploaded, archive):
    cs = await person("cs_rep")
    doc = await uploaded(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER)
    supervisor = await person("supervisor")
    missing_reason = await delete(gql, supervisor, doc, " ")
    assert missing_reason["errors"][0]["field"] == "reason"
    result = await delete(gql, supervisor, doc, checker=await person("supervisor"))
    assert result["document"]["status"] == "DELETED"
    row = await Document.get(id=(await Document.get(name=doc["name"])).id)
    assert not archive.primary.exists(row.storage_key)
    entry = await AuditEntry.get(action="deleteDocument", outcome="SUCCESS")
    assert doc["name"] in entry.detail and doc["sha256"] in entry.detail
    again = await delete(gql, supervisor, doc)
    assert again["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.policy("P3.2.2")
@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "admin", "auditor"])
async def test_other_roles_cannot_delete_customer_files(gql, person, uploaded, role):
    cs = await person("cs_rep")
    doc = await uploaded(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER)
    caller = await person(role)
    reply = await gql(DELETE, {"id": doc["id"], "r": "tidying up"}, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert (await Document.get(name=doc["name"])).status == "ACTIVE"


async def test_deleting_while_the_store_is_down_changes_nothing(gql, person, uploaded, archive):
    cs = await person("cs_rep")
    doc = await uploaded(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER)
    config.use_archive(None)
    try:
        result = await delete(
            gql, await person("supervisor"), doc, checker=await person("supervisor")
        )
    finally:
        config.use_archive(archive.archive)
    assert result["errors"][0]["code"] == "STORAGE_UNAVAILABLE"
    assert (await Document.get(name=doc["name"])).status == "ACTIVE"


@pytest.mark.policy("P3.2.3")
async def test_work_records_are_archived_monthly(person, uploaded, archive):
    clock.freeze(dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC))
    hr = await person("hr")
    october = [
        await uploaded(hr.token, kind="WORK_RECORD", subject=f"Shift log {i}") for i in range(2)
    ]
    clock.freeze(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC))
    hr = await person("hr")
    november = await uploaded(hr.token, kind="MINUTES", subject="Weekly meeting")
    legal = await uploaded((await person("legal")).token)  # tier 1: never part of a seal

    assert await jobs.archive_work_records({}) == 1
    seal = await WorkRecordSeal.get()
    assert (seal.period, seal.part, seal.record_count, seal.status) == ("2026-10", 1, 2, "SEALED")
    index = await Document.get(id=seal.index_document_id)
    assert (index.kind, index.tier) == ("ARCHIVE_INDEX", 3)
    assert index.name == "20261103-0003-work-records-index-2026-10-part-1"
    listing = json.loads(archive.archive.read_bytes(index.archive_id, 3, index.storage_key))
    assert [r["name"] for r in listing["records"]] == [d["name"] for d in october]
    assert [r["sha256"] for r in listing["records"]] == [d["sha256"] for d in october]
    for doc in october:
        row = await Document.get(name=doc["name"])
        assert row.archived_at is not None and row.archive_seal_id == seal.id
    assert (await Document.get(name=november["name"])).archived_at is None
    assert (await Document.get(name=legal["name"])).archived_at is None
    assert await jobs.archive_work_records({}) == 0  # idempotent
    clock.freeze(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC))
    assert await jobs.archive_work_records({}) == 1
    assert await WorkRecordSeal.filter(period="2026-11").count() == 1


@pytest.mark.policy("P3.2.3")
async def test_work_records_are_purged_after_retention_and_the_removal_recorded(
    person, uploaded, archive
):
    clock.freeze(dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC))
    hr = await person("hr")
    record = await uploaded(hr.token, kind="WORK_RECORD", subject="Shift log")
    clock.freeze(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC))
    await jobs.archive_work_records({})
    row = await Document.get(name=record["name"])
    # Kept three years from the end of October (hotel time): until 1 Nov 2029 00:00 +08:00.
    assert row.retain_until == dt.datetime(2029, 10, 31, 16, 0, tzinfo=dt.UTC)
    clock.freeze(dt.datetime(2029, 10, 31, 15, 59, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 0
    assert archive.primary.exists(row.storage_key)
    clock.freeze(dt.datetime(2029, 10, 31, 16, 0, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 1
    assert not archive.primary.exists(row.storage_key)
    tombstone = await Document.get(id=row.id)
    assert tombstone.status == "PURGED" and tombstone.removed_by_ref == "system"
    assert tombstone.removal_reason == "retention ended 2029-10-31"
    entry = await AuditEntry.get(action="purgeDocument", subject_id=str(row.id))
    assert record["name"] in entry.detail and record["sha256"] in entry.detail
    assert entry.actor_kind == "SYSTEM"
    clock.freeze(dt.datetime(2029, 12, 1, 0, 0, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 1  # the month's index follows its records
    assert await jobs.purge_work_records({}) == 0


@pytest.mark.policy("P3.2.3")
async def test_raising_the_retention_parameter_keeps_records_longer(person, uploaded):
    clock.freeze(dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC))
    hr = await person("hr")
    await uploaded(hr.token, kind="WORK_RECORD", subject="Shift log")
    clock.freeze(dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC))
    await jobs.archive_work_records({})
    await set_parameter_reviewed("archive_work_record_retention_years", "5", "Audit advice")
    clock.freeze(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 0
    clock.freeze(dt.datetime(2031, 11, 1, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 1


async def test_unsealed_work_records_are_never_purged(person, uploaded):
    clock.freeze(dt.datetime(2026, 10, 30, 2, 0, tzinfo=dt.UTC))
    hr = await person("hr")
    await uploaded(hr.token, kind="WORK_RECORD", subject="Shift log")
    clock.freeze(dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
    assert await jobs.purge_work_records({}) == 0
