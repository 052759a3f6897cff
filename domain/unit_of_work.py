"""One business operation = one transaction holding the change, its audit entry and its outbox
events (ARCHITECTURE.md data flow; P0.3 traceability).

`audited()` runs a domain service in a transaction and appends the SUCCESS entry to the audit
trail inside it. When a business rule refuses the operation, the transaction is rolled back and a
REJECTED entry is written on its own, so refusals are traceable too; so is an attempt that ends
in an unexpected error (an ERROR entry with the request id, in a transaction of its own, before
the error travels on). Work that must only happen once the data is committed (waking live
subscribers) is registered with `after_commit`.

A value longer than its column (every `CharField` declares `max_length`, which the ORM checks
before it sends anything to the database) is a refusal too: `TOO_LONG` on the field, named as
the API names it, instead of an unexpected error. One check here covers every input that lands
in a column, without a length check per input.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from tortoise.exceptions import ValidationError
from tortoise.transactions import in_transaction

from domain import audit
from domain.actor import Actor
from domain.errors import DomainError, refusal_of_invalid_value
from domain.models import AuditEntry
from domain.outages import unavailable_dependency

T = TypeVar("T")
log = logging.getLogger(__name__)

_pending: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = (
    contextvars.ContextVar("after_commit", default=None)
)


_tags: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("audit_tags", default=None)


def tag_entry(tag: str) -> None:
    """Put `tag` at the start of the detail of the surrounding `audited` entry: the operation
    used an authority that must show in the trail (a crisis group's, P4.1.4). Outside a unit
    of work there is no entry to tag: nothing happens."""
    tags = _tags.get()
    if tags is not None and tag not in tags:
        tags.append(tag)


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
                subject_id=_audit_subject(subject_id),
                outcome=audit.Outcome.REJECTED,
                detail=f"{refusal.code}: {refusal.message}",
            )
    finally:
        _pending.reset(token)
    await _run_callbacks(callbacks)


_SUBJECT_ID_LENGTH = AuditEntry._meta.fields_map["subject_id"].max_length


def _audit_subject(subject_id: str | int | None) -> str | None:
    """A subject id as the trail can hold it: the id of a refused attempt comes from the caller's
    input and may be longer than the column; its start identifies it well enough."""
    if subject_id is None:
        return None
    text = str(subject_id)
    return text if len(text) <= _SUBJECT_ID_LENGTH else text[: _SUBJECT_ID_LENGTH - 1] + "…"


async def _record_error(
    actor: Actor, action: str, subject_type: str, subject_id, error: Exception
) -> None:
    """The ERROR entry of an attempt that failed unexpectedly. Its own failure (the database
    may be what failed) is logged and must not hide the original error. In nested units of
    work the inner entry is rolled back with the outer transaction; the outermost one stays.
    When the error says the database itself is unavailable, writing to it would only wait out
    another timeout: the attempt is logged instead."""
    if unavailable_dependency(error) == "database":
        log.warning("%s failed: the database is unavailable (request %s)", action,
                    actor.request_id)
        return
    try:
        await record_outcome(
            actor,
            action,
            subject_type,
            audit.Outcome.ERROR,
            subject_id=subject_id,
            detail=f"unexpected {type(error).__name__}",
        )
    except Exception:
        log.exception("could not audit the failed %s (request %s)", action, actor.request_id)


async def record_outcome(
    actor: Actor,
    action: str,
    subject_type: str,
    outcome: str,
    *,
    subject_id: str | int | None = None,
    detail: str = "",
) -> None:
    """An entry for an attempt that has no unit of work of its own to commit with: an access
    refusal (DENIED) or a failure after the operation's transaction (a download that stopped).
    Every audit entry outside `audited` is written here."""
    await audit.append_alone(
        actor,
        action,
        subject_type=subject_type,
        subject_id=_audit_subject(subject_id),
        outcome=outcome,
        detail=detail,
    )


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
    tags: list[str] = []
    tags_token = _tags.set(tags)
    try:
        try:
            async with in_transaction():
                result = await work()
                await audit.append(
                    actor,
                    action,
                    subject_type=subject_type,
                    subject_id=_audit_subject(
                        subject_id if subject_id is not None else _subject_id_of(result)
                    ),
                    detail="; ".join([*tags, detail] if detail else tags),
                )
        except DomainError as refusal:
            callbacks.clear()
            await _record_refusal(actor, action, subject_type, subject_id, refusal)
            raise
        except ValidationError as invalid:
            callbacks.clear()
            refusal = refusal_of_invalid_value(invalid)
            await _record_refusal(actor, action, subject_type, subject_id, refusal)
            raise refusal from invalid
        except Exception as error:
            callbacks.clear()
            await _record_error(actor, action, subject_type, subject_id, error)
            raise
    finally:
        _tags.reset(tags_token)
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
    refusal re-raised; an unexpected error leaves an ERROR entry. The successful end of such an
    operation is recorded by `audited`."""
    try:
        yield
    except DomainError as refusal:
        await _record_refusal(actor, action, subject_type, subject_id, refusal)
        raise
    except ValidationError as invalid:
        refusal = refusal_of_invalid_value(invalid)
        await _record_refusal(actor, action, subject_type, subject_id, refusal)
        raise refusal from invalid
    except Exception as error:
        await _record_error(actor, action, subject_type, subject_id, error)
        raise
