"""One business operation = one transaction holding the change, its audit entry and its outbox
events (ARCHITECTURE.md data flow; P0.3 traceability).

`audited()` runs a domain service in a transaction and appends the SUCCESS entry to the audit
trail inside it. When a business rule refuses the operation, the transaction is rolled back and a
REJECTED entry is written on its own, so refusals are traceable too. Work that must only happen
once the data is committed (waking live subscribers) is registered with `after_commit`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from tortoise.transactions import in_transaction

from domain import audit
from domain.actor import Actor
from domain.errors import DomainError

T = TypeVar("T")
log = logging.getLogger(__name__)

_pending: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = (
    contextvars.ContextVar("after_commit", default=None)
)


def after_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the surrounding `audited` transaction commits (never on rollback).
    Outside a unit of work there is no commit to wait for: it raises RuntimeError, and callers
    that may run outside one (e.g. `outbox.enqueue`) catch it and rely on polling instead."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("after_commit outside a unit of work")
    pending.append(callback)


async def when_committed(callback: Callable[[], Awaitable[None]]) -> None:
    """`after_commit` inside a unit of work; outside one the caller's writes are already
    committed (autocommit), so the callback runs now."""
    if _pending.get() is None:
        await callback()
    else:
        after_commit(callback)


async def _run_callbacks(callbacks: list[Callable[[], Awaitable[None]]]) -> None:
    for callback in callbacks:
        try:
            await callback()
        except Exception:  # the commit stands; a lost wake-up is recovered by polling
            log.exception("after-commit callback failed")


async def _record_refusal(
    actor: Actor, action: str, subject_type: str, subject_id, refusal: DomainError
) -> None:
    """The REJECTED entry, in a transaction of its own with whatever the refusal must keep
    (and the after-commit work of what it keeps, such as announcing a revoked session)."""
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _pending.set(callbacks)
    try:
        async with in_transaction():
            if refusal.on_refusal is not None:
                await refusal.on_refusal()
            await audit.append(
                actor,
                action,
                subject_type=subject_type,
                subject_id=subject_id,
                outcome=audit.Outcome.REJECTED,
                detail=f"{refusal.code}: {refusal.message}",
            )
    finally:
        _pending.reset(token)
    await _run_callbacks(callbacks)


def _subject_id_of(result: object) -> str | None:
    ident = getattr(result, "pk", None)
    return None if ident is None else str(ident)


async def audited(
    actor: Actor,
    action: str,
    subject_type: str,
    work: Callable[[], Awaitable[T]],
    *,
    subject_id: str | int | None = None,
    detail: str = "",
) -> T:
    callbacks: list[Callable[[], Awaitable[None]]] = []
    token = _pending.set(callbacks)
    try:
        try:
            async with in_transaction():
                result = await work()
                await audit.append(
                    actor,
                    action,
                    subject_type=subject_type,
                    subject_id=subject_id if subject_id is not None else _subject_id_of(result),
                    detail=detail,
                )
        except DomainError as refusal:
            callbacks.clear()
            await _record_refusal(actor, action, subject_type, subject_id, refusal)
            raise
    finally:
        _pending.reset(token)
    await _run_callbacks(callbacks)
    return result


@contextlib.asynccontextmanager
async def refusals_audited(
    actor: Actor,
    action: str,
    subject_type: str,
    *,
    subject_id: str | int | None = None,
) -> AsyncIterator[None]:
    """Audit a refusal raised by the steps of an operation that run outside its transaction
    (work on the archive, key derivation): the REJECTED entry is written on its own and the
    refusal re-raised. The successful end of such an operation is recorded by `audited`."""
    try:
        yield
    except DomainError as refusal:
        await _record_refusal(actor, action, subject_type, subject_id, refusal)
        raise
