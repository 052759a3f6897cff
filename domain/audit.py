"""The audit trail (P0.3 traceability, P6.2.2 internal audit of process and permission use).

Every mutation, successful or refused, appends one entry. Entries are hash-chained: each entry's
hash covers its own fields and the previous entry's hash, so editing or deleting any entry
breaks verification from that point on. Appends happen inside the caller's transaction, after
locking the chain head, so concurrent transactions cannot fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from domain.actor import Actor
from domain.clock import clock
from domain.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


class Outcome:
    SUCCESS = "SUCCESS"
    REJECTED = "REJECTED"  # a business rule refused it (payload error)
    DENIED = "DENIED"  # the permission matrix refused it
    ERROR = "ERROR"  # it ended in an unexpected error (the client saw INTERNAL_ERROR)


def _digest(prev_hash: str, fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _hashed_fields(entry: AuditEntry) -> dict:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "outcome": entry.outcome,
        "detail": entry.detail,
        "request_id": entry.request_id,
        "client_ip": entry.client_ip,
    }


async def ensure_head() -> None:
    if not await AuditChainHead.filter(id=1).exists():
        await AuditChainHead.create(id=1, seq=0, last_hash=GENESIS)


async def append(
    actor: Actor,
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    outcome: str = Outcome.SUCCESS,
    detail: str = "",
) -> AuditEntry:
    """Append an entry in the current transaction (call inside `in_transaction`)."""
    # The UPDATE takes the head's row lock first; it is held until the surrounding commit.
    locked = await AuditChainHead.filter(id=1).update(seq=F("seq") + 1)
    if not locked:
        await ensure_head()
        await AuditChainHead.filter(id=1).update(seq=F("seq") + 1)
    head = await AuditChainHead.get(id=1)
    at = clock.now()
    entry = AuditEntry(
        seq=head.seq,
        at=at,
        actor_kind=str(actor.identity.kind),
        actor_id=actor.identity.actor_ref,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        outcome=outcome,
        detail=detail[:2000],
        request_id=actor.request_id,
        client_ip=actor.client_ip,
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(head.last_hash, _hashed_fields(entry))
    await entry.save()
    await AuditChainHead.filter(id=1).update(last_hash=entry.hash)
    return entry


async def append_alone(actor: Actor, action: str, **kwargs) -> AuditEntry:
    """Append in a transaction of its own: for refusals, whose change was rolled back."""
    async with in_transaction():
        return await append(actor, action, **kwargs)


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked_entries: int
    first_broken_entry_id: int | None
    reason: str | None = None


async def verify_chain(batch_size: int = 2000) -> ChainStatus:
    """Recompute every hash in order; report the first entry that was edited, removed or
    inserted out of order, or a removed tail (the head remembers the newest entry)."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_id = 0
    while True:
        batch = await AuditEntry.filter(id__gt=last_id).order_by("id").limit(batch_size)
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                return ChainStatus(False, checked, entry.id, "an entry before this one is missing")
            if entry.prev_hash != prev_hash:
                return ChainStatus(
                    False, checked, entry.id, "the link to the previous entry is broken"
                )
            if _digest(prev_hash, _hashed_fields(entry)) != entry.hash:
                return ChainStatus(False, checked, entry.id, "the entry was altered")
            prev_hash = entry.hash
            expected_seq += 1
            checked += 1
            last_id = entry.id
    head = await AuditChainHead.get_or_none(id=1)
    if head is not None and (head.seq != checked or head.last_hash != prev_hash):
        return ChainStatus(False, checked, None, "entries at the end of the chain were removed")
    return ChainStatus(True, checked, None)
