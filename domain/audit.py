"""The audit trail (P0.3 traceability, P6.2.2 internal audit of process and permission use).

Every mutation, successful or refused, appends one entry inside the caller's transaction. Each
entry carries an HMAC-SHA256 over its id and fields under a key that is not in the database
(`audit_keys`), so no entry can be edited or moved by someone who can only write the database.
Appends take no shared lock: the id comes from the table's own sequence and the MAC depends on
nothing but the entry, so concurrent transactions never wait on each other here. The order and
completeness of the trail are fixed afterwards by the sealer (`audit_seals`), which chains
committed entries in batches into a signed hash tree archived write-once; `verify_chain`
checks both (`audit_verify`).

A refusal of an anonymous caller is no entry: it says nothing about anyone's use of a
permission, and writing one per refused request would let anybody grow the trail at will. It is
a log line instead, at most `ANONYMOUS_LOG_LINES_PER_MINUTE` a minute per process, with the count
of the lines left out.
"""

from __future__ import annotations

import logging
import time

from tortoise.transactions import in_transaction

from domain import audit_keys, audit_verify
from domain.actor import Actor
from domain.audit_keys import EntryFields
from domain.audit_verify import ChainStatus
from domain.clock import clock
from domain.models import AuditEntry

__all__ = ["ChainStatus", "Outcome", "append", "append_alone", "refused_anonymous", "verify_chain"]

log = logging.getLogger("hotel.audit")

MAX_DETAIL = 2000
# A log line costs nothing to forge, so a flood of anonymous refusals is sampled, not stored.
ANONYMOUS_LOG_LINES_PER_MINUTE = 60


class Outcome:
    SUCCESS = "SUCCESS"
    REJECTED = "REJECTED"  # a business rule refused it (payload error)
    DENIED = "DENIED"  # the permission matrix refused it
    ERROR = "ERROR"  # it ended in an unexpected error (the client saw INTERNAL_ERROR)


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
    key_id = audit_keys.current_key_id()
    entry = await AuditEntry.create(
        at=clock.now(),
        actor_kind=str(actor.identity.kind),
        actor_id=actor.identity.actor_ref,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        outcome=outcome,
        detail=detail[:MAX_DETAIL],
        request_id=actor.request_id,
        client_ip=actor.client_ip,
        key_id=key_id,
    )
    # The id is only known once the row exists; the MAC binds it, so the UPDATE touches only
    # this transaction's own new row.
    entry.mac = audit_keys.mac(key_id, EntryFields.of(entry).message())
    await AuditEntry.filter(id=entry.id).update(mac=entry.mac)
    return entry


async def append_alone(actor: Actor, action: str, **kwargs) -> AuditEntry:
    """Append in a transaction of its own: for refusals, whose change was rolled back."""
    async with in_transaction():
        return await append(actor, action, **kwargs)


class _LogBudget:
    """A fixed one-minute window of log lines, per process."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._window = -1
        self._used = 0
        self._dropped = 0

    def take(self) -> tuple[bool, int]:
        """(may log now, lines left out since the last line that was logged)"""
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._used = window, 0
        if self._used >= self.per_minute:
            self._dropped += 1
            return False, 0
        self._used += 1
        dropped, self._dropped = self._dropped, 0
        return True, dropped


_anonymous_budget = _LogBudget(ANONYMOUS_LOG_LINES_PER_MINUTE)


def refused_anonymous(actor: Actor, action: str, *, subject_type: str | None, detail: str) -> bool:
    """Record a refusal of an anonymous caller as a rate-limited log line; True if logged."""
    allowed, dropped = _anonymous_budget.take()
    if allowed:
        log.warning(
            "anonymous request refused",
            extra={
                "action": action,
                "subject_type": subject_type,
                "detail": detail[:200],
                "request_id": actor.request_id,
                "client_ip": actor.client_ip,
                "refusals_not_logged": dropped,
            },
        )
    return allowed


async def verify_chain(batch_size: int | None = None, *, full: bool = False) -> ChainStatus:
    """Check the trail: entries against their MACs, seals against their signatures and their
    archived copies, sealed ranges against their hash trees; from the last seal this process
    verified, or from the start with `full`. See `audit_verify` (`batch_size` is accepted for
    callers of the former signature; batches are the verifier's own)."""
    return await audit_verify.verify(full=full)
