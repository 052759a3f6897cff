"""The job functions (thin: each calls one domain service) and how often each runs.

Every job has the arq signature `async def job(ctx) -> result` and is safe to run twice at the
same time: it claims due rows with conditional updates before acting on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from domain.clock import clock
from domain.models import IdempotencyRecord, RefreshToken


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[dict], Awaitable[object]]
    every_seconds: int


async def prune_sessions(ctx: dict) -> int:
    """Forget refresh tokens that expired more than a week ago (their sessions are over)."""
    cutoff = clock.now() - dt.timedelta(days=7)
    return await RefreshToken.filter(expires_at__lt=cutoff).delete()


async def prune_idempotency_keys(ctx: dict) -> int:
    return await IdempotencyRecord.filter(expires_at__lt=clock.now()).delete()


JOBS: list[Job] = [
    Job("prune_sessions", prune_sessions, 3600),
    Job("prune_idempotency_keys", prune_idempotency_keys, 600),
]
