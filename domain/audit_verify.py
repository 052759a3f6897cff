"""Verification of the audit trail: what someone with database access changed is reported.

Seals are checked in order: each must follow the previous one (number, id range, hash of the
previous statement), carry a valid Ed25519 signature, and equal its archived tier-1 copy, so a
seal row rewritten in the database alone is caught. Inside a sealed range every id is either an
entry whose MAC verifies or a gap the seal recorded, and the entries' hash tree must give the
sealed root. Entries after the last seal are checked against their MACs.

Entry problems are named: EDITED (the MAC does not match), MOVED (the MAC matches the entry at
another id: reordered), REMOVED (a sealed id that was no gap has no entry), INSERTED (an entry
appeared where the seal recorded a gap), UNKEYED (no MAC, or one under a key that has left the
keyring). Gaps are
reported, never skipped: sealed gaps (ids the sealer found unused) and ids still missing after
the last seal (rolled back, or not yet committed).

Verification is incremental: each process remembers the last seal it verified cleanly (in
memory, where the database cannot reach it) and starts after it, after checking that this seal
row is unchanged; `full=True` starts from the first seal. The hashing runs in a worker thread,
one batch at a time, so the event loop stays free.

Policy: P0.3 (traceability that cannot be rewritten), P6.2.2 (internal audit).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass, field

from domain import audit_keys, audit_merkle
from domain.audit_keys import ENTRY_COLUMNS, EntryFields
from domain.audit_statement import GENESIS, read_archived, seal_hash, statement_of
from domain.documents import archive_calls, config
from domain.errors import DomainError
from domain.models import AuditEntry, AuditSeal, Document

BATCH = 2000
# Bounds of a reply: the first problems and the newest gaps are listed, all are counted.
MAX_LISTED = 1000
# Candidate ids tried per batch to tell a moved entry from an edited one.
MAX_MOVE_CANDIDATES = 64

EDITED, MOVED, REMOVED, INSERTED, UNKEYED = "EDITED", "MOVED", "REMOVED", "INSERTED", "UNKEYED"


@dataclass(frozen=True)
class Problem:
    entry_id: int
    kind: str
    moved_from: int | None = None


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked_entries: int
    first_broken_entry_id: int | None
    reason: str | None = None
    sealed_through: int = 0
    seals_checked: int = 0
    broken_seal: int | None = None
    broken_entries: tuple[Problem, ...] = ()
    gap_count: int = 0
    gaps: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Checkpoint:
    number: int
    seal_hash: str
    last_entry_id: int
    entries: int
    gap_count: int
    gaps: tuple[int, ...]


_memory: dict[str, _Checkpoint | int] = {}


def forget() -> None:
    """Drop what this process verified before (a restored database, a test)."""
    _memory.clear()


@dataclass
class _Run:
    checked: int = 0
    seals: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    gaps: list[int] = field(default_factory=list)
    gap_count: int = 0
    reasons: list[str] = field(default_factory=list)
    broken_seal: int | None = None

    def problem(self, item: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(item)

    def add_gaps(self, ids) -> None:
        ids = list(ids)
        self.gap_count += len(ids)
        self.gaps = (self.gaps + ids)[-MAX_LISTED:]

    def seal_broken(self, number: int, reason: str) -> None:
        if self.broken_seal is None:
            self.broken_seal = number
        self.reasons.append(reason)


def _inspect(rows: list[dict], candidates: list[int], legacy_through: int) -> list[Problem]:
    """MAC checks of a batch (CPU-bound: runs in a thread)."""
    problems: list[Problem] = []
    for row in rows:
        entry = EntryFields.of(row)
        if entry.key_id is None:
            if entry.id > legacy_through:
                problems.append(Problem(entry.id, UNKEYED))
            continue
        if entry.key_id not in audit_keys.keyring():
            problems.append(Problem(entry.id, UNKEYED))
            continue
        message = entry.message()
        if audit_keys.mac_matches(entry.key_id, message, row["mac"]):
            continue
        origin = next(
            (
                other
                for other in candidates
                if other != entry.id
                and audit_keys.mac_matches(entry.key_id, entry.message(other), row["mac"])
            ),
            None,
        )
        problems.append(Problem(entry.id, MOVED, origin) if origin else Problem(entry.id, EDITED))
    return problems


async def _rows(first: int, last: int | None) -> list[dict]:
    query = AuditEntry.filter(id__gte=first)
    if last is not None:
        query = query.filter(id__lte=last)
    return await query.order_by("id").limit(BATCH).values(*ENTRY_COLUMNS)


async def _check_range(run: _Run, seal: AuditSeal) -> bool:
    """Entries of one sealed range; True if they match the seal."""
    recorded_gaps = set(seal.gaps)
    problems_before = run.problem_count
    rows: list[dict] = []
    cursor = seal.first_entry_id
    while cursor <= seal.last_entry_id:
        batch = await _rows(cursor, seal.last_entry_id)
        if not batch:
            break
        rows += batch
        cursor = batch[-1]["id"] + 1
    present = {row["id"] for row in rows}
    expected = range(seal.first_entry_id, seal.last_entry_id + 1)
    missing = [i for i in expected if i not in present and i not in recorded_gaps]
    found = await asyncio.to_thread(_inspect, rows, [], seal.legacy_through)
    # Telling moved from edited costs a MAC per candidate: only for a few broken entries.
    if found and len(found) <= MAX_MOVE_CANDIDATES:
        failing = {p.entry_id for p in found}
        candidates = [*missing, *(i for i in present if i in recorded_gaps), *failing]
        candidates = candidates[:MAX_MOVE_CANDIDATES]
        broken = [row for row in rows if row["id"] in failing]
        found = await asyncio.to_thread(_inspect, broken, candidates, seal.legacy_through)
    moved_from = {p.moved_from for p in found if p.moved_from is not None}
    for problem in found:
        run.problem(problem)
    for i in missing:
        if i not in moved_from:
            run.problem(Problem(i, REMOVED))
    for row in rows:
        if row["id"] in recorded_gaps:
            run.problem(Problem(row["id"], INSERTED))
    run.add_gaps(sorted(recorded_gaps))
    run.checked += len(rows)
    root = await asyncio.to_thread(lambda: audit_merkle.root(audit_merkle.leaves(rows)))
    if root != seal.merkle_root or len(rows) != seal.entry_count:
        if run.problem_count == problems_before:
            run.reasons.append(f"the entries of seal {seal.number} do not give its hash tree")
        run.broken_seal = run.broken_seal or seal.number
        return False
    return run.problem_count == problems_before


def _read_document(document: Document) -> bytes:
    archive = config.archive()
    return archive.read_bytes(document.archive_id, document.tier, document.storage_key)


async def _archived(seal: AuditSeal) -> tuple[bytes, str] | str:
    """The archived statement and signature, or why they cannot be read."""
    document = await Document.get_or_none(id=seal.document_id) if seal.document_id else None
    if document is None:
        return f"seal {seal.number} has no archived copy"
    try:
        content = await archive_calls.run(_read_document, document)
        return read_archived(content)
    except DomainError as failure:
        return f"the archived copy of seal {seal.number} cannot be read ({failure.code})"
    except ValueError:
        return f"the archived copy of seal {seal.number} is not a seal"


def _signature_valid(key_id: str, statement: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return audit_keys.signature_valid(key_id, statement, raw)


async def _check_seal(run: _Run, seal: AuditSeal, previous: _Checkpoint | None) -> bool:
    """The seal itself: its place in the chain, its signature, its archived copy."""
    number = previous.number if previous else 0
    link = previous.seal_hash if previous else GENESIS
    start = previous.last_entry_id + 1 if previous else 1
    if (seal.number, seal.prev_seal_hash, seal.first_entry_id) != (number + 1, link, start):
        run.seal_broken(seal.number, f"seal {seal.number} does not follow seal {number}")
        return False
    if seal.key_id not in audit_keys.keyring():
        run.seal_broken(seal.number, f"seal {seal.number} names a key not in the keyring")
        return False
    statement = statement_of(seal)
    if seal_hash(statement) != seal.seal_hash or not _signature_valid(
        seal.key_id, statement, seal.signature
    ):
        run.seal_broken(seal.number, f"seal {seal.number} was altered: its signature fails")
        return False
    archived = await _archived(seal)
    if isinstance(archived, str):
        run.seal_broken(seal.number, archived)
        return False
    archived_statement, archived_signature = archived
    if archived_statement != statement or not _signature_valid(
        seal.key_id, archived_statement, archived_signature
    ):
        run.seal_broken(seal.number, f"seal {seal.number} differs from its archived copy")
        return False
    return True


async def _check_unsealed(run: _Run, first: int) -> None:
    cursor, expected = first, first
    while batch := await _rows(cursor, None):
        ids = [row["id"] for row in batch]
        found = await asyncio.to_thread(_inspect, batch, [], 0)
        if found and len(found) <= MAX_MOVE_CANDIDATES:
            failing = [p.entry_id for p in found]
            broken = [row for row in batch if row["id"] in set(failing)]
            found = await asyncio.to_thread(_inspect, broken, failing, 0)
        for problem in found:
            run.problem(problem)
        for i in ids:
            run.add_gaps(range(expected, i))
            expected = i + 1
        run.checked += len(batch)
        cursor = ids[-1] + 1


async def _seals_after(number: int):
    while seals := await AuditSeal.filter(number__gt=number).order_by("number").limit(500):
        for seal in seals:
            yield seal
        number = seals[-1].number


async def verify(*, full: bool = False) -> ChainStatus:
    run = _Run()
    remembered = None if full else _memory.get("checkpoint")
    checkpoint = remembered if isinstance(remembered, _Checkpoint) else None
    if checkpoint is not None:
        row = await AuditSeal.get_or_none(number=checkpoint.number)
        if row is None or row.seal_hash != checkpoint.seal_hash:
            checkpoint = None  # the seal it trusted changed: start over to find out how
    seen = _memory.get("highest_seal", 0)
    highest = seen if isinstance(seen, int) else 0
    newest = await AuditSeal.all().order_by("-number").first()
    newest_number = newest.number if newest else 0
    if newest_number < highest:
        run.seal_broken(newest_number + 1, f"seals after seal {newest_number} were removed")
    if checkpoint is not None:
        run.checked, run.gap_count = checkpoint.entries, checkpoint.gap_count
        run.gaps = list(checkpoint.gaps)
    clean, previous, prefix_clean = checkpoint, checkpoint, True
    after = checkpoint.number if checkpoint else 0
    async for seal in _seals_after(after):
        seal_ok = await _check_seal(run, seal, previous)
        entries_ok = await _check_range(run, seal)
        run.seals += 1
        previous = _Checkpoint(
            seal.number,
            seal.seal_hash,
            seal.last_entry_id,
            run.checked,
            run.gap_count,
            tuple(run.gaps),
        )
        prefix_clean = prefix_clean and seal_ok and entries_ok
        if prefix_clean:
            clean = previous
    sealed_through = previous.last_entry_id if previous else 0
    await _check_unsealed(run, sealed_through + 1)
    if clean is not None:
        _memory["checkpoint"] = clean
    _memory["highest_seal"] = max(highest, newest_number)
    return _status(run, sealed_through)


_DESCRIPTIONS = {
    EDITED: "was altered",
    MOVED: "was moved from another position",
    REMOVED: "was removed",
    INSERTED: "was inserted where the seal recorded a gap",
    UNKEYED: "carries no MAC, or one under a key this server does not hold",
}


def _status(run: _Run, sealed_through: int) -> ChainStatus:
    problems = sorted(run.problems, key=lambda p: p.entry_id)
    ok = run.problem_count == 0 and run.broken_seal is None
    reasons = list(run.reasons)
    if problems:
        first = problems[0]
        more = run.problem_count - 1
        reasons.insert(
            0,
            f"entry {first.entry_id} {_DESCRIPTIONS[first.kind]}"
            + (f" (and {more} more broken entries)" if more else ""),
        )
    return ChainStatus(
        ok=ok,
        checked_entries=run.checked,
        first_broken_entry_id=problems[0].entry_id if problems else None,
        reason="; ".join(reasons) if reasons else None,
        sealed_through=sealed_through,
        seals_checked=run.seals,
        broken_seal=run.broken_seal,
        broken_entries=tuple(problems),
        gap_count=run.gap_count,
        gaps=tuple(run.gaps[-MAX_LISTED:]),
    )
