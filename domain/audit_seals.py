"""The sealer of the audit trail: fixes the order and completeness of committed entries, in the
spirit of a Certificate Transparency log's signed tree heads.

Entries are appended without a shared lock, so ids can commit out of order: a transaction that
took id 41 may commit after one that took id 42, and a rolled-back one leaves 41 unused for good.
The sealer therefore only seals up to the newest entry older than `audit_seal_lag_seconds`, and
every id of the sealed range that has no entry is recorded in the seal as a gap. A gap is
reported by every verification; an entry that later appears in a gap is reported as inserted.

Each seal covers the next id range after the previous one: the Merkle root over the range's
entries (`audit_merkle`), the gaps, and the hash of the previous seal's statement, signed with
Ed25519 (`audit_keys`). The signed statement is archived in tier 1 (write-once, retained) before
the seal row is committed, so rewriting sealed history would need the archive and the keys,
not only the database. Two sealers running at once cannot both commit a seal of one number (the
number is unique); the loser's archived copy is harmless, as it states the same entries.

Sealing runs once the oldest unsealed entry is `audit_seal_interval_minutes` old (or a full
batch waits): entries younger than that are protected by their MACs against editing, and the
interval bounds the window in which an entry could be deleted before its seal records its id.

Sealing writes no audit entry of its own: the archived seal is its record, and an entry per
seal would give every later seal something new to seal.

Policy: P0.3 (traceability that cannot be rewritten), P3.2.1 (tier-1 write-once archive).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
import logging

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit_keys, audit_merkle
from domain.actor import SYSTEM
from domain.audit_keys import ENTRY_COLUMNS
from domain.audit_statement import (
    GENESIS,
    archived_document,
    seal_hash,
    statement_of,
)
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.models import AuditEntry, AuditSeal
from domain.policy_params import params

log = logging.getLogger("hotel.audit")

# Entries per seal: one tier-1 document per batch, and a batch hashes in well under a second.
BATCH = 2000
# Seals per run, so one run after a long outage stays bounded; the next run continues.
MAX_SEALS_PER_RUN = 50

async def _due(every: dt.timedelta) -> bool:
    """Whether the oldest unsealed entry has waited `every`, or a full batch is waiting."""
    previous = await AuditSeal.all().order_by("-number").first()
    unsealed = AuditEntry.filter(id__gt=previous.last_entry_id if previous else 0)
    oldest = await unsealed.order_by("id").first()
    if oldest is None:
        return False
    return oldest.at <= clock.now() - every or await unsealed.count() >= BATCH


async def seal_ready(
    *, lag: dt.timedelta | None = None, every: dt.timedelta | None = None
) -> list[AuditSeal]:
    """Seal every committed entry older than the lag, in batches, once the oldest unsealed
    entry has waited `every` (one tier-1 document per interval, not per job run); returns the
    new seals. Both default to their policy parameters."""
    if lag is None:
        lag = dt.timedelta(seconds=await params.audit_seal_lag_seconds)
    if every is None:
        every = dt.timedelta(minutes=await params.audit_seal_interval_minutes)
    if not await _due(every):
        return []
    sealed: list[AuditSeal] = []
    for _ in range(MAX_SEALS_PER_RUN):
        seal = await _seal_next(clock.now() - lag)
        if seal is None:
            break
        sealed.append(seal)
    return sealed


async def _seal_next(cutoff: dt.datetime) -> AuditSeal | None:
    previous = await AuditSeal.all().order_by("-number").first()
    start = previous.last_entry_id + 1 if previous else 1
    ready = (
        await AuditEntry.filter(id__gte=start, at__lte=cutoff)
        .order_by("id")
        .limit(BATCH)
        .values_list("id", flat=True)
    )
    if not ready:
        return None
    end = ready[-1]
    # Younger entries inside the range are committed too: they belong to this seal.
    rows = (
        await AuditEntry.filter(id__gte=start, id__lte=end).order_by("id").values(*ENTRY_COLUMNS)
    )
    present = {row["id"] for row in rows}
    gaps = [i for i in range(start, end + 1) if i not in present]
    if gaps:
        log.warning("audit ids without an entry sealed as gaps", extra={"gaps": gaps[:100]})
    legacy = [row["id"] for row in rows if row["key_id"] is None] if previous is None else []
    key_id = audit_keys.current_key_id()
    seal = AuditSeal(
        number=previous.number + 1 if previous else 1,
        first_entry_id=start,
        last_entry_id=end,
        entry_count=len(rows),
        gaps=gaps,
        legacy_through=max(legacy, default=0),
        merkle_root=await asyncio.to_thread(lambda: audit_merkle.root(audit_merkle.leaves(rows))),
        prev_seal_hash=previous.seal_hash if previous else GENESIS,
        sealed_at=clock.now(),
        key_id=key_id,
    )
    statement = statement_of(seal)
    seal.seal_hash = seal_hash(statement)
    seal.signature = base64.b64encode(audit_keys.sign(key_id, statement)).decode("ascii")
    new = uploads.NewDocument(
        kind=Kind.AUDIT_SEAL,
        subject=f"audit seal {seal.number}",
        content_type="application/json",
        description=(
            f"Seal {seal.number} of the audit trail: entries {start} to {end}, "
            f"{len(rows)} entries, {len(gaps)} gap(s), root {seal.merkle_root}."
        ),
    )
    content = archived_document(statement, seal.signature)
    stored = await uploads.store_content(new, Kind.AUDIT_SEAL, io.BytesIO(content), None)
    try:
        async with in_transaction():
            document = await uploads.create_document(SYSTEM, stored)
            seal.document_id = document.id
            await seal.save()
    except IntegrityError:
        log.info("another sealer committed audit seal %s first", seal.number)
        return None
    return seal
