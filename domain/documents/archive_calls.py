"""The archive is synchronous (`storage`); these helpers run its calls in a worker thread and
turn its `StorageError` codes into the domain's codes, so a store that is down, a wrong key or
an altered object is a clear refusal and never an unexpected error.

Policy: P3.2.1 (an altered or wrongly keyed document fails loudly), P3.2.5 (a store that is
down is reported as such).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import TypeVar

from domain.errors import DomainError, ErrorCode
from storage import ErrorCode as StorageCode
from storage import StorageError

T = TypeVar("T")

_CODES: dict[str, tuple[ErrorCode, str]] = {
    StorageCode.WRONG_KEY: (
        ErrorCode.WRONG_KEY,
        "The archive key that sealed this document is not the configured one.",
    ),
    StorageCode.UNKNOWN_KEY_ID: (
        ErrorCode.WRONG_KEY,
        "The archive key that sealed this document is not in the keyring.",
    ),
    StorageCode.TAMPERED: (
        ErrorCode.TAMPERED,
        "The stored document failed its integrity check: it was altered or damaged.",
    ),
    StorageCode.NOT_FOUND: (ErrorCode.NOT_FOUND, "The document content is on no store."),
    StorageCode.ALREADY_EXISTS: (ErrorCode.CONFLICT, "A document of this name is archived."),
    StorageCode.BACKEND_UNAVAILABLE: (
        ErrorCode.STORAGE_UNAVAILABLE,
        "The document store is unavailable; nothing was changed. Try again later.",
    ),
    StorageCode.RETENTION_LOCKED: (
        ErrorCode.RETENTION_LOCKED,
        "The document is under retention and cannot be removed yet.",
    ),
    StorageCode.INVALID_NAME: (ErrorCode.INVALID, "The document name is not valid."),
    StorageCode.INVALID_KEYRING: (ErrorCode.WRONG_KEY, "The archive keyring is not valid."),
}


def domain_error(exc: StorageError, field: str | None = None) -> DomainError:
    code, message = _CODES.get(exc.code, (ErrorCode.STORAGE_UNAVAILABLE, "Storage failed."))
    return DomainError(code, message, field)


async def run(function: Callable[..., T], *args, **kwargs) -> T:
    """Run a synchronous archive call in a thread; storage failures become `DomainError`."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except StorageError as exc:
        raise domain_error(exc) from exc


def digest_of(archive, document) -> tuple[str, int]:
    """SHA-256 and length of a document's plaintext, decrypted end to end (call in a thread)."""
    digest = hashlib.sha256()
    size = 0
    with archive.open(document.archive_id, document.tier, document.storage_key) as stream:
        for chunk in stream:
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
