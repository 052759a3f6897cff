"""Idempotency keys of booking requests (P3.1.1 intake through unreliable channels: a phone
agent's double click, a partner's retry).

Within the request's transaction, `claim()` inserts an `IdempotencyRecord` under the unique
(scope, key) constraint before anything else is written. A second request with the same key
then either finds the committed record (same input: the original result is returned; other
input: IDEMPOTENCY_CONFLICT), or, when it runs concurrently, its insert waits on the first
transaction and fails with a unique violation once that commits, after which it reads the
record and replays it. So concurrent retries create one booking. A refused request rolls back
its record with everything else, so it can be retried. Records live idempotency_retention_hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import IdempotencyRecord
from domain.policy_params import params

FIELD = "idempotencyKey"


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def scope_for(operation: str, actor: Actor) -> str:
    """Keys belong to their client: the same key from two callers are two keys."""
    return f"{operation}:{actor.identity.actor_ref or actor.identity.kind}"


def _check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > 120 or not key.isprintable():
        raise DomainError(ErrorCode.INVALID, "An idempotency key has 1 to 120 characters.", FIELD)
    return key


def _replay(record: IdempotencyRecord, digest: str) -> str:
    if record.request_hash != digest:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "This idempotency key was used with a different request.",
            FIELD,
        )
    if record.result_ref is None:
        raise DomainError(ErrorCode.CONFLICT, "The first request is still running.", FIELD)
    return record.result_ref


async def claim(scope: str, key: str, payload: dict[str, Any]) -> str | None:
    """Return the earlier result's reference for a repeated request, or None after reserving
    the key for this one (call `complete()` once the result exists)."""
    key = _check_key(key)
    digest = request_hash(payload)
    now = clock.now()
    existing = await IdempotencyRecord.get_or_none(scope=scope, key=key)
    if existing is not None and existing.expires_at <= now:
        await IdempotencyRecord.filter(id=existing.id).delete()
        existing = None
    if existing is not None:
        return _replay(existing, digest)
    hours = await params.idempotency_retention_hours
    try:
        async with in_transaction():  # a savepoint: a unique violation leaves the rest intact
            await IdempotencyRecord.create(
                scope=scope,
                key=key,
                request_hash=digest,
                expires_at=now + dt.timedelta(hours=hours),
            )
    except IntegrityError:
        winner = await IdempotencyRecord.get_or_none(scope=scope, key=key)
        if winner is None:
            raise DomainError(ErrorCode.CONFLICT, "Retry the request.", FIELD) from None
        return _replay(winner, digest)
    return None


async def complete(scope: str, key: str, result_ref: str) -> None:
    await IdempotencyRecord.filter(scope=scope, key=key.strip()).update(result_ref=result_ref)


async def purge_expired() -> int:
    """Forget keys past their retention (a periodic job)."""
    return await IdempotencyRecord.filter(expires_at__lte=clock.now()).delete()
