"""The audit trail (P0.3, P6.2.2): every mutation of a signed-in caller leaves an entry with a
keyed MAC; a sealer chains committed entries into signed hash trees archived in tier 1; editing,
removing, moving or inserting entries, and rewriting seals, are detected even when the one who
did it recomputed every hash that can be computed without the keys."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
import logging

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from strawberry.relay import to_base64
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from domain import audit, audit_keys, audit_merkle, audit_seals
from domain.actor import SYSTEM
from domain.audit_keys import EntryFields
from domain.audit_statement import GENESIS, seal_hash, statement_of
from domain.clock import clock
from domain.documents import config as documents_config
from domain.models import AuditEntry, AuditSeal, Document
from domain.unit_of_work import audited
from storage import AlreadyExistsError, Keyring
from tests.conftest import fresh_archive, needs_postgres
from workers import jobs

VERIFY = """query($full: Boolean! = false) { verifyAuditChain(full: $full) { ok checkedEntries
  firstBrokenEntryId reason sealedThrough sealsChecked brokenSeal
  brokenEntries { entryId seq problem movedFromSeq } gapCount gaps } }"""
LOG = """query($f: AuditFilter) { auditLog(first: 50, filter: $f) { totalCount
  edges { node { id at actorId action subjectType subjectId outcome requestId } } } }"""
SEAL_INTERVAL = dt.timedelta(minutes=5, seconds=1)  # audit_seal_interval_minutes
COLUMNS = ("at", "actor_kind", "actor_id", "action", "subject_type", "subject_id", "outcome",
           "detail", "request_id", "client_ip", "key_id", "mac")


@pytest.fixture(autouse=True)
def archive(tmp_path):
    """A fresh pair of archive folders per test, so seal document names start over too."""
    with fresh_archive(tmp_path) as fresh:
        yield fresh


async def _set_param(gql, token, value="36"):
    return await gql(
        """mutation($v: String!) { setPolicyParameter(input: {key: "cancellation_grace_hours",
        value: $v, reason: "high season"}) { errors { code field } } }""",
        {"v": value},
        token=token,
    )


async def _verify(gql, token, *, full=False) -> dict:
    reply = await gql(VERIFY, {"full": full}, token=token)
    assert not reply.errors, reply.errors
    return reply.data["verifyAuditChain"]


async def _entries(count: int) -> list[int]:
    return [(await audit.append_alone(SYSTEM, "test.entry", subject_id=i)).id for i in range(count)]


async def _seal() -> int:
    """Let the sealing interval pass, then run the sealing job as the scheduler would."""
    clock.advance(SEAL_INTERVAL)
    return await jobs.seal_audit_trail({})


async def _sql(statement: str) -> None:
    await Tortoise.get_connection("default").execute_query(statement)


def _problems(status: dict) -> dict[int, str]:
    return {e["seq"]: e["problem"] for e in status["brokenEntries"]}


async def _rewrite_with_database_access(entry_id: int, **changes) -> None:
    """What an attacker with database access but without the keys does: edit the entry, give it
    a fresh plain hash in place of its MAC, then recompute every seal after it (hash tree, seal
    hash, link to the previous seal). Only the Ed25519 signatures cannot be recomputed."""
    row = await AuditEntry.get(id=entry_id)
    for name, value in changes.items():
        setattr(row, name, value)
    row.mac = hashlib.sha256(EntryFields.of(row).message()).hexdigest()
    await AuditEntry.filter(id=entry_id).update(**changes, mac=row.mac)
    previous = GENESIS
    for seal in await AuditSeal.all().order_by("number"):
        rows = (
            await AuditEntry.filter(id__gte=seal.first_entry_id, id__lte=seal.last_entry_id)
            .order_by("id")
            .values(*audit_keys.ENTRY_COLUMNS)
        )
        seal.merkle_root = audit_merkle.root(audit_merkle.leaves(rows))
        seal.prev_seal_hash = previous
        seal.seal_hash = seal_hash(statement_of(seal))
        await seal.save()
        previous = seal.seal_hash


async def _swap(first: int, second: int) -> None:
    """Exchange two entries' recorded contents, MACs included: their order is rewritten."""
    a = await AuditEntry.filter(id=first).values(*COLUMNS)
    b = await AuditEntry.filter(id=second).values(*COLUMNS)
    await AuditEntry.filter(id=first).update(**b[0])
    await AuditEntry.filter(id=second).update(**a[0])


@pytest.mark.policy("P0.3")
async def test_mutations_are_audited_with_actor_request_and_outcome(gql, person):
    director, auditor = await person("director"), await person("auditor")
    await _set_param(gql, director.token)
    await _set_param(gql, director.token, value="-5")  # refused by a business rule
    reply = await gql(LOG, {"f": {"action": "setPolicyParameter"}}, token=auditor.token)
    nodes = [e["node"] for e in reply.data["auditLog"]["edges"]]
    assert [n["outcome"] for n in nodes] == ["REJECTED", "SUCCESS"]
    assert all(n["actorId"] == f"account:{director.account.id}" for n in nodes)
    assert all(n["requestId"] and n["subjectId"] == "cancellation_grace_hours" for n in nodes)
    rows = await AuditEntry.all()
    assert all(r.key_id == audit_keys.current_key_id() and len(r.mac) == 64 for r in rows)


async def test_a_guest_cannot_read_the_audit_log(gql, person):
    # Access control, not P6.2.2: nothing samples cases for the quarterly internal audit yet.
    guest = await person(kind="GUEST")
    assert (await gql(LOG, token=guest.token)).error_codes == ["FORBIDDEN"]
    assert (await gql(VERIFY, token=guest.token)).error_codes == ["FORBIDDEN"]


@pytest.mark.policy("P0.3")
async def test_the_rewrite_script_with_database_access_only_is_detected(gql, person):
    """The finding: an entry was edited and everything after it recomputed; verification said
    ok. Now the MAC of the edited entry and the signature of its seal give it away."""
    director, auditor = await person("director"), await person("auditor")
    for value in ("30", "36", "48", "24"):
        await _set_param(gql, director.token, value)
    assert await _seal() == 4
    await _entries(3)
    assert await _seal() == 3
    before = await _verify(gql, auditor.token)
    assert before["ok"] is True and before["checkedEntries"] == 7 and before["sealedThrough"] == 7
    target = (await AuditEntry.filter(action="setPolicyParameter").order_by("id"))[1]

    await _rewrite_with_database_access(target.id, outcome="DENIED", detail="nothing happened")

    after = await _verify(gql, auditor.token, full=True)
    assert after["ok"] is False
    assert after["firstBrokenEntryId"] == to_base64("AuditEntry", target.id)
    assert _problems(after) == {target.id: "EDITED"}
    assert after["brokenSeal"] == 1 and "seal 1 was altered" in after["reason"]
    # The process that verified before needs no full run to notice: its checkpoint seal changed.
    assert (await _verify(gql, auditor.token))["ok"] is False


@pytest.mark.policy("P0.3")
async def test_an_unsealed_entry_rewritten_with_a_plain_hash_is_detected(gql, person):
    director, auditor = await person("director"), await person("auditor")
    for value in ("30", "36", "48"):
        await _set_param(gql, director.token, value)
    ok = await _verify(gql, auditor.token)
    assert ok["ok"] is True and ok["checkedEntries"] == 3 and ok["sealedThrough"] == 0
    second = (await AuditEntry.all().order_by("id"))[1]
    await _rewrite_with_database_access(second.id, outcome="DENIED")
    broken = await _verify(gql, auditor.token)
    assert broken["ok"] is False
    assert broken["firstBrokenEntryId"] == to_base64("AuditEntry", second.id)
    assert _problems(broken) == {second.id: "EDITED"}


@pytest.mark.policy("P0.3")
async def test_a_removed_sealed_entry_is_reported_removed(gql, person):
    auditor = await person("auditor")
    ids = await _entries(5)
    await _seal()
    await _sql(f"DELETE FROM audit_entry WHERE id IN ({ids[1]}, {ids[4]})")
    status = await _verify(gql, auditor.token)
    assert status["ok"] is False
    assert _problems(status) == {ids[1]: "REMOVED", ids[4]: "REMOVED"}
    assert status["checkedEntries"] == 3


@pytest.mark.policy("P0.3")
async def test_an_entry_removed_before_sealing_is_a_gap_in_every_report(gql, person):
    """Before its seal a removed entry cannot be told from a rolled-back one: it is reported as
    a gap, the seal records the gap, and an entry that turns up in it later is reported."""
    auditor = await person("auditor")
    ids = await _entries(4)
    removed = await AuditEntry.filter(id=ids[2]).values(*COLUMNS)
    await _sql(f"DELETE FROM audit_entry WHERE id = {ids[2]}")
    unsealed = await _verify(gql, auditor.token)
    assert unsealed["gaps"] == [ids[2]] and unsealed["gapCount"] == 1
    await _seal()
    sealed = await AuditSeal.get(number=1)
    assert sealed.gaps == [ids[2]] and sealed.entry_count == 3
    status = await _verify(gql, auditor.token)
    assert status["ok"] is True and status["gaps"] == [ids[2]]
    assert status["sealedThrough"] == ids[3]

    await AuditEntry.create(id=ids[2], **removed[0])  # the entry comes back (or commits late)
    late = await _verify(gql, auditor.token, full=True)
    assert late["ok"] is False and _problems(late) == {ids[2]: "INSERTED"}


@pytest.mark.policy("P0.3")
@pytest.mark.parametrize("sealed", [False, True])
async def test_reordered_entries_are_reported_as_moved(gql, person, sealed):
    auditor = await person("auditor")
    ids = await _entries(4)
    if sealed:
        await _seal()
    await _swap(ids[1], ids[2])
    status = await _verify(gql, auditor.token)
    assert status["ok"] is False
    moved = {e["seq"]: (e["problem"], e["movedFromSeq"]) for e in status["brokenEntries"]}
    assert moved == {ids[1]: ("MOVED", ids[2]), ids[2]: ("MOVED", ids[1])}


@pytest.mark.policy("P0.3")
async def test_a_seal_row_that_differs_from_its_archived_copy_is_detected(gql, person):
    auditor = await person("auditor")
    await _entries(2)
    await _seal()
    await _entries(2)
    await _seal()
    first, second = await AuditSeal.all().order_by("number")
    # Each row is intact and validly signed, but the archived copy it names is another seal's.
    await AuditSeal.filter(id=first.id).update(document_id=second.document_id)
    status = await _verify(gql, auditor.token)
    assert status["ok"] is False and status["brokenSeal"] == 1
    assert "differs from its archived copy" in status["reason"]
    assert status["brokenEntries"] == []

    await AuditSeal.filter(id=first.id).update(document_id=None)
    missing = await _verify(gql, auditor.token)
    assert missing["ok"] is False and "no archived copy" in missing["reason"]


@pytest.mark.policy("P0.3")
async def test_removed_seals_are_detected_by_a_process_that_saw_them(gql, person):
    auditor = await person("auditor")
    await _entries(2)
    await _seal()
    await _entries(2)
    await _seal()
    assert (await _verify(gql, auditor.token))["ok"] is True
    await _sql("DELETE FROM audit_seal WHERE number = 2")
    status = await _verify(gql, auditor.token)
    assert status["ok"] is False and "seals after seal 1 were removed" in status["reason"]


@pytest.mark.policy("P0.3")
async def test_seals_are_archived_in_tier_1_signed_and_chained(gql, person):
    auditor = await person("auditor")
    ids = await _entries(3)
    clock.advance(dt.timedelta(minutes=4))
    assert await jobs.seal_audit_trail({}) == 0  # not due before the sealing interval
    await _seal()
    await _entries(1)
    await _seal()
    first, second = await AuditSeal.all().order_by("number")
    assert (first.first_entry_id, first.last_entry_id, first.entry_count) == (ids[0], ids[2], 3)
    assert second.first_entry_id == ids[2] + 1 and second.prev_seal_hash == first.seal_hash
    document = await Document.get(id=first.document_id)
    assert (document.tier, document.kind, document.retain_until is not None) == (
        1,
        "AUDIT_SEAL",
        True,
    )
    content = await asyncio.to_thread(
        documents_config.archive().read_bytes,
        document.archive_id,
        document.tier,
        document.storage_key,
    )
    archived = json.loads(content)
    statement = archived["statement"]
    assert statement["merkle_root"] == first.merkle_root and statement["number"] == 1
    # Anyone holding the public key can check the archived root without our database.
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(statement["public_key"]))
    public.verify(base64.b64decode(archived["signature"]), audit_keys.canonical(statement))
    with pytest.raises(AlreadyExistsError):  # write-once: the archive refuses to replace it
        documents_config.archive().put("0" * 32, 1, document.name, io.BytesIO(b"{}"))
    assert (await _verify(gql, auditor.token))["sealsChecked"] == 2


@pytest.mark.policy("P0.3")
async def test_verification_continues_from_the_last_verified_seal(gql, person):
    auditor = await person("auditor")
    await _entries(5)
    await _seal()
    first = await _verify(gql, auditor.token)
    assert (first["sealsChecked"], first["checkedEntries"]) == (1, 5)
    await _entries(2)
    again = await _verify(gql, auditor.token)
    assert (again["sealsChecked"], again["checkedEntries"], again["ok"]) == (0, 7, True)
    full = await _verify(gql, auditor.token, full=True)
    assert (full["sealsChecked"], full["checkedEntries"], full["ok"]) == (1, 7, True)


@pytest.mark.policy("P0.3")
async def test_rotated_keys_keep_old_entries_verifiable(gql, person):
    auditor = await person("auditor")
    original = audit_keys.keyring()
    await _entries(2)
    await _seal()
    newer = Keyring([("audit-next", bytes(32)), *((i, original.key(i)) for i in original.ids)])
    audit_keys.configure(newer)
    try:
        await _entries(2)
        await _seal()
        assert {r.key_id for r in await AuditEntry.all()} == {original.current_id, "audit-next"}
        assert (await _verify(gql, auditor.token, full=True))["ok"] is True
        audit_keys.configure(Keyring([("audit-next", bytes(32))]))
        retired = await _verify(gql, auditor.token, full=True)
        assert retired["ok"] is False and set(_problems(retired).values()) == {"UNKEYED"}
    finally:
        audit_keys.configure(original)


@pytest.mark.policy("P0.3")
async def test_anonymous_refusals_are_log_lines_not_entries(gql, person, caplog):
    caplog.set_level(logging.WARNING, logger="hotel.audit")
    anonymous = await _set_param(gql, None)
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    assert await AuditEntry.all().count() == 0
    assert any(r.message == "anonymous request refused" for r in caplog.records)
    guest = await person(kind="GUEST")
    assert (await _set_param(gql, guest.token)).error_codes == ["FORBIDDEN"]
    denied = await AuditEntry.filter(outcome="DENIED")
    assert [(d.action, d.actor_id) for d in denied] == [
        ("setPolicyParameter", f"account:{guest.account.id}")
    ]


def test_anonymous_refusal_lines_are_rate_limited():
    budget = audit._LogBudget(3)
    taken = [budget.take() for _ in range(5)]
    assert [allowed for allowed, _ in taken] == [True, True, True, False, False]


async def test_concurrent_appends_and_sealing_keep_a_verifying_trail(gql, person):
    async def one(i: int):
        return await audited(SYSTEM, "test.append", "Thing", lambda: asyncio.sleep(0), subject_id=i)

    for wave in range(3):
        # Sealing runs while the next wave appends; the lag keeps it off the running wave.
        await asyncio.gather(jobs.seal_audit_trail({}), *(one(wave * 20 + i) for i in range(20)))
        clock.advance(SEAL_INTERVAL)
    await jobs.seal_audit_trail({})
    auditor = await person("auditor")
    status = await _verify(gql, auditor.token, full=True)
    assert status["ok"] is True and status["checkedEntries"] == 60
    assert status["sealedThrough"] == await AuditEntry.all().count() == 60
    assert status["gapCount"] == 0


@needs_postgres
async def test_an_entry_committed_after_its_range_was_sealed_is_reported(gql, person):
    """Ids commit out of order on PostgreSQL. Without the lag, a seal taken while an earlier
    id is still uncommitted records it as a gap, and its late commit is then reported."""
    auditor = await person("auditor")
    appended, release = asyncio.Event(), asyncio.Event()

    async def slow():
        async with in_transaction():
            await audit.append(SYSTEM, "test.slow")
            appended.set()
            await release.wait()

    task = asyncio.create_task(slow())
    await appended.wait()
    fast = await audit.append_alone(SYSTEM, "test.fast")
    await audit_seals.seal_ready(lag=dt.timedelta(0), every=dt.timedelta(0))
    release.set()
    await task
    slow_id = (await AuditEntry.get(action="test.slow")).id
    assert slow_id < fast.id and (await AuditSeal.get(number=1)).gaps == [slow_id]
    status = await _verify(gql, auditor.token)
    assert status["ok"] is False and _problems(status) == {slow_id: "INSERTED"}


@needs_postgres
async def test_concurrent_transactions_on_postgres_do_not_queue_behind_the_trail(gql, person):
    """Two transactions that both appended are open at the same time: neither waits for the
    other to commit (the former chain head made the second wait for the first)."""
    auditor = await person("auditor")
    both_appended = asyncio.Barrier(2)

    async def one(i: int):
        async with in_transaction():
            await audit.append(SYSTEM, "test.parallel", subject_id=i)
            await asyncio.wait_for(both_appended.wait(), timeout=5)

    await asyncio.gather(one(1), one(2))
    await audit_seals.seal_ready(lag=dt.timedelta(0), every=dt.timedelta(0))
    status = await _verify(gql, auditor.token)
    assert status["ok"] is True and status["checkedEntries"] == 2
