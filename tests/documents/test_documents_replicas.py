"""The two isolated copies (P3.2.5): verification against the recorded checksums, repair from
the good copy, rebuilding the primary from the backup, and the daily scheduled check."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from domain.clock import clock
from domain.models import Document, Notification, ReplicaCheck
from storage import LocalBackend
from workers import jobs

VERIFY = """
mutation($deep: Boolean!, $repair: Boolean!) {
  verifyReplicas(input: {deep: $deep, repair: $repair}) {
    check { checked healthy problems { name state repairable } repaired
            unresolved { name code } }
    errors { code }
  }
}"""
RESTORE = """
mutation { restoreArchive(input: {overwrite: false}) {
  restored unchanged conflicts failed errors { code } } }"""
CUSTOMER = "R3Vlc3RQcm9maWxlOjQy"


async def two_documents(person, uploaded) -> list[Document]:
    legal = await person("legal")
    cs = await person("cs_rep")
    docs = [
        await uploaded(legal.token),
        await uploaded(cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to=CUSTOMER),
    ]
    return [await Document.get(name=d["name"]) for d in docs]


async def verify(gql, token, *, deep=True, repair=False) -> dict:
    reply = await gql(VERIFY, {"deep": deep, "repair": repair}, token=token)
    assert reply.errors == [], reply.errors
    return reply.data["verifyReplicas"]


@pytest.mark.policy("P3.2.5")
async def test_healthy_archive(gql, person, uploaded):
    await two_documents(person, uploaded)
    admin = await person("admin")
    result = await verify(gql, admin.token)
    assert result["check"]["checked"] == 2 and result["check"]["healthy"] is True


@pytest.mark.policy("P3.2.5")
async def test_a_lost_or_altered_copy_is_found_and_repaired(gql, person, uploaded, archive):
    contract, customer_file = await two_documents(person, uploaded)
    # The backup disk lost the contract (data and sidecar): retention cannot stop a disk fault.
    archive.object_path("backup", contract.storage_key).unlink()
    (archive.root / "backup" / "meta" / f"{contract.storage_key}.json").unlink()
    path = archive.object_path("primary", customer_file.storage_key)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    admin = await person("admin")
    found = await verify(gql, admin.token)
    states = {p["name"]: p["state"] for p in found["check"]["problems"]}
    assert states == {contract.name: "missing_on_backup", customer_file.name: "differs"}
    assert all(p["repairable"] for p in found["check"]["problems"])
    fixed = await verify(gql, admin.token, repair=True)
    assert sorted(fixed["check"]["repaired"]) == sorted(
        [contract.storage_key, customer_file.storage_key]
    )
    assert (await verify(gql, admin.token))["check"]["healthy"] is True


@pytest.mark.policy("P3.2.5")
async def test_unrepairable_problems_reach_the_administrators(gql, person, uploaded, archive):
    contract, _ = await two_documents(person, uploaded)
    for store in ("primary", "backup"):
        path = archive.object_path(store, contract.storage_key)
        data = bytearray(path.read_bytes())
        # Flip a bit rather than write a fixed byte: a ciphertext ends in "!" once in 256.
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))
    admin = await person("admin")
    result = await verify(gql, admin.token, repair=True)
    assert result["check"]["unresolved"] == [{"name": contract.name, "code": "TAMPERED"}]
    note = await Notification.get(account_id=admin.account.id)
    assert note.kind == "ARCHIVE_REPLICA_PROBLEM" and contract.name in note.body


@pytest.mark.policy("P3.2.5")
async def test_the_primary_is_rebuilt_from_the_backup(gql, person, uploaded, archive):
    contract, customer_file = await two_documents(person, uploaded)
    shutil.rmtree(archive.root / "primary")
    # A new, empty disk is mounted in place of the lost one.
    archive.archive.primary = LocalBackend(
        archive.root / "primary", name="primary", durable=False, clock=clock.now
    )
    admin = await person("admin")
    reply = await gql(RESTORE, token=admin.token)
    result = reply.data["restoreArchive"]
    assert sorted(result["restored"]) == sorted([contract.storage_key, customer_file.storage_key])
    assert result["errors"] == [] and result["conflicts"] == []
    assert (await verify(gql, admin.token))["check"]["healthy"] is True


@pytest.mark.policy("P3.2.5")
async def test_the_scheduled_check_runs_once_a_day_and_repairs(person, uploaded, archive):
    _, customer_file = await two_documents(person, uploaded)
    archive.primary.delete(customer_file.storage_key)
    assert await jobs.verify_archive_replicas({}) == 2
    assert archive.primary.exists(customer_file.storage_key)
    assert await jobs.verify_archive_replicas({}) is None
    clock.advance(dt.timedelta(hours=24))
    assert await jobs.verify_archive_replicas({}) == 2
    checks = await ReplicaCheck.all().order_by("id")
    assert [c.repaired for c in checks] == [[customer_file.storage_key], []]


@pytest.mark.policy("P6.1.2")
@pytest.mark.parametrize("role", ["director", "tech_lead", "auditor"])
async def test_only_admins_verify_and_restore(gql, person, role):
    caller = await person(role)
    reply = await gql(VERIFY, {"deep": False, "repair": False}, token=caller.token)
    assert reply.error_codes == ["FORBIDDEN"]
    assert (await gql(RESTORE, token=caller.token)).error_codes == ["FORBIDDEN"]
