"""The archive facade: encrypt once, store on a primary and an isolated backup, read, purge.

``Archive.put`` encrypts a document stream once into a spool (only ciphertext ever touches
disk there), then writes those exact bytes to the primary store and, for the tiers that need
a second copy, to the backup. Either both copies exist or the call fails: a failed second
write removes the first copy again, and a copy that retention already locks is reported in the
error instead of being left silently. Because both stores hold byte-identical ciphertext, one
SHA-256 per document describes both and replicas can be compared without any key.

Replica verification, repair and restore live in ``storage.replicas``, key rotation in
``storage.rotation``; both work on an ``Archive`` through its building blocks. ``purge``
removes every version of a document (including those kept by rotation) once none is retained.

Policy: P3.2.1 (AES-256 envelope encryption of every tier; integrity evidence per document),
P3.2.2 (customer files readable only through this facade with the keyring), P3.2.3 (retention
passed to every store and honoured by ``purge``), P3.2.4 (keys built from validated names),
P3.2.5 (two isolated copies of tiers 1 and 2, replica verification, repair and restore).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from types import TracebackType
from typing import IO

from .backends.base import Backend, Clock, ObjectInfo, ReadStream, check_aware, utc_now
from .crypto import DEFAULT_CHUNK_SIZE, Header, decrypt, encrypt, read_header
from .errors import (
    AlreadyExistsError,
    BackendUnavailableError,
    NotFoundError,
    RetentionLockedError,
    StorageError,
)
from .keyring import Keyring
from .naming import object_key, parse_object_key, validate_tier
from .reports import (
    ArchiveRecord,
    CopyName,
)
from .streams import HashingReader, Source, as_reader, iter_blocks

logger = logging.getLogger(__name__)

MIB = 1 << 20
#: Tiers whose documents are "important files" kept on two isolated stores (P3.2.5).
DEFAULT_BACKUP_TIERS = frozenset({1, 2})


class PlaintextStream(Iterator[bytes]):
    """Decrypted chunks of one document; close it (or use ``with``) if not read to the end.

    Every chunk is authenticated before it is yielded (the first one already when the stream
    is opened), but truncation is only detectable at the end: the content is genuine only once
    iteration finishes without ``TamperedError``.
    """

    def __init__(self, chunks: Iterator[bytes], stream: ReadStream, store: str) -> None:
        self._chunks = chunks
        self._stream = stream
        #: Name of the store that served the document ("primary" or "backup").
        self.store = store
        # Authenticating the first chunk now makes a swapped, mis-tiered or altered-at-the-start
        # object fail at open time, before a caller has started sending a response.
        self._first: bytes | None = self._next_chunk()

    def _next_chunk(self) -> bytes:
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> PlaintextStream:
        return self

    def __next__(self) -> bytes:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return self._next_chunk()

    def read_all(self) -> bytes:
        with self:
            return b"".join(self)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if callable(close):
            close()
        self._stream.close()

    def __enter__(self) -> PlaintextStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Archive:
    """Tiered, encrypted, replicated document archive over two ``Backend`` stores."""

    def __init__(
        self,
        keyring: Keyring,
        primary: Backend,
        backup: Backend | None = None,
        *,
        backup_tiers: Iterable[int] = DEFAULT_BACKUP_TIERS,
        allow_single_copy: bool = False,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        spool_memory: int = 8 * MIB,
        spool_dir: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        """``allow_single_copy`` lets tiers in ``backup_tiers`` be stored without a backup
        store (a development setup); without it such a put fails rather than keep one copy.
        """
        if backup is not None and (backup is primary or backup.location == primary.location):
            raise ValueError(
                f"the backup store must be isolated from the primary; both are {primary.location}"
            )
        self.keyring = keyring
        self.primary = primary
        self.backup = backup
        self.backup_tiers = frozenset(validate_tier(tier) for tier in backup_tiers)
        self.allow_single_copy = allow_single_copy
        self.chunk_size = chunk_size
        self._spool_memory = spool_memory
        self._spool_dir = spool_dir
        self._clock = clock

    # -- building blocks, also used by storage.replicas and storage.rotation ------------

    def spool(self) -> IO[bytes]:
        # Holds ciphertext only; small objects never leave memory.
        return tempfile.SpooledTemporaryFile(  # type: ignore[return-value]
            max_size=self._spool_memory, dir=self._spool_dir, prefix="archive-"
        )

    def replicated(self, tier: int) -> bool:
        return self.backup is not None and tier in self.backup_tiers

    def _stores_for(self, tier: int) -> list[Backend]:
        if tier not in self.backup_tiers:
            return [self.primary]
        if self.backup is None:
            if not self.allow_single_copy:
                raise BackendUnavailableError(
                    f"tier {tier} documents need a backup store (P3.2.5) and none is configured"
                )
            return [self.primary]
        return [self.primary, self.backup]

    def store(self, which: CopyName) -> Backend:
        store = self.primary if which == "primary" else self.backup
        if store is None:
            raise ValueError("no backup store is configured")
        return store

    def future(self, moment: datetime | None) -> datetime | None:
        # Re-applying an expired date would be refused by object lock and protects nothing.
        return moment if moment is not None and moment > self._clock() else None

    def _roll_back(self, key: str, written: list[tuple[Backend, ObjectInfo]]) -> tuple[str, ...]:
        leftovers: list[str] = []
        for store, info in written:
            try:
                store.delete(key, version_id=info.version_id)
            except StorageError as exc:
                logger.error("could not roll back %s on %s: %s", key, store.name, exc)
                leftovers.append(f"{store.name}:{key}")
        return tuple(leftovers)

    def _write_all(
        self,
        key: str,
        stores: list[Backend],
        spool: IO[bytes],
        sha256: str,
        retain_until: datetime | None,
    ) -> None:
        written: list[tuple[Backend, ObjectInfo]] = []
        for store in stores:
            spool.seek(0)
            try:
                info = store.put(key, spool, sha256=sha256, retain_until=retain_until)
            except StorageError as exc:
                if not written:
                    raise
                leftovers = self._roll_back(key, written)
                detail = (
                    f"; could not remove the copy on {', '.join(leftovers)} (retention)"
                    if leftovers
                    else "; the copies already written were removed"
                )
                raise BackendUnavailableError(
                    f"writing {key} to {store.name} failed ({exc.code}: {exc.message}){detail}",
                    leftovers=leftovers,
                ) from exc
            written.append((store, info))

    def copy(
        self,
        key: str,
        source: Backend,
        target: Backend,
        sha256: str | None = None,
        *,
        keep_previous_version: bool = False,
    ) -> ObjectInfo:
        info = source.head(key)
        with source.open(key) as stream:
            return target.put(
                key,
                stream,
                sha256=sha256 or info.sha256,
                retain_until=self.future(info.retain_until),
                keep_previous_version=keep_previous_version,
            )

    @staticmethod
    def digest(store: Backend, key: str, deep: bool) -> str | None:
        try:
            return store.checksum(key) if deep else store.recorded_checksum(key)
        except NotFoundError:
            return None

    @staticmethod
    def header(store: Backend, key: str) -> Header:
        with store.open(key) as stream:
            return read_header(stream)

    @staticmethod
    def body_digest(store: Backend, key: str) -> str:
        digest = hashlib.sha256()
        with store.open(key) as stream:
            read_header(stream)
            for block in iter_blocks(stream, MIB):
                digest.update(block)
        return digest.hexdigest()

    # -- documents ----------------------------------------------------------------------

    def put(
        self,
        document_id: str,
        tier: int,
        name: str,
        stream: Source,
        retain_until: datetime | None = None,
        *,
        replace: bool = False,
    ) -> ArchiveRecord:
        """Encrypt and store a document on every store its tier requires.

        Raises ``ALREADY_EXISTS`` if the key is on any store (``replace=True`` writes a new
        copy: a new version on versioned buckets, an overwrite elsewhere), ``INVALID_NAME``,
        ``RETENTION_LOCKED`` (replacing a retained copy on a local folder or an unversioned
        bucket: archived documents are write-once; only key rotation supersedes them) and
        ``BACKEND_UNAVAILABLE`` (a store failed; nothing is left behind except copies listed
        in the error's ``leftovers``).
        """
        validate_tier(tier)
        key = object_key(tier, name)
        check_aware(retain_until)
        if retain_until is not None and retain_until <= self._clock():
            raise ValueError(f"retain_until {retain_until.isoformat()} is not in the future")
        stores = self._stores_for(tier)
        if not replace:
            for store in stores:
                if store.exists(key):
                    raise AlreadyExistsError(f"{key} already exists on {store.name}", key=key)
        kek_id = self.keyring.current_id
        with self.spool() as spool:
            plaintext = HashingReader(as_reader(stream))
            digest = hashlib.sha256()
            for piece in encrypt(
                plaintext,
                self.keyring,
                document_id=document_id,
                tier=tier,
                chunk_size=self.chunk_size,
            ):
                digest.update(piece)
                spool.write(piece)
            ciphertext_size = spool.tell()
            ciphertext_sha256 = digest.hexdigest()
            self._write_all(key, stores, spool, ciphertext_sha256, retain_until)
        return ArchiveRecord(
            key=key,
            document_id=document_id,
            tier=tier,
            name=name,
            size=plaintext.size,
            sha256=plaintext.sha256,
            ciphertext_size=ciphertext_size,
            ciphertext_sha256=ciphertext_sha256,
            kek_id=kek_id,
            stores=tuple(store.name for store in stores),
            retain_until=retain_until,
        )

    def open(
        self, document_id: str, tier: int, key: str, *, fallback: bool = True
    ) -> PlaintextStream:
        """Open a document for reading; falls back to the backup if the primary copy is
        missing or its store is down (never when a copy fails authentication: that is
        reported as ``TAMPERED`` so it gets repaired, not hidden).
        """
        validate_tier(tier)
        candidates = [self.primary]
        if fallback and self.replicated(tier):
            candidates.append(self.store("backup"))
        last_error: StorageError | None = None
        for store in candidates:
            try:
                stream = store.open(key)
            except (NotFoundError, BackendUnavailableError) as exc:
                logger.warning("reading %s from %s failed: %s", key, store.name, exc)
                last_error = exc
                continue
            try:
                chunks = decrypt(stream, self.keyring, document_id=document_id, tier=tier)
                plaintext = PlaintextStream(chunks, stream, store.name)
            except BackendUnavailableError as exc:
                stream.close()
                last_error = exc
                continue
            except BaseException:
                stream.close()
                raise
            if store is not self.primary:
                logger.warning("served %s from the backup store %s", key, store.name)
            return plaintext
        assert last_error is not None
        raise last_error

    def read_bytes(self, document_id: str, tier: int, key: str) -> bytes:
        return self.open(document_id, tier, key).read_all()

    def purge(self, key: str) -> None:
        """Delete a document, with every older version kept by rotation, from every store once
        no copy is under retention.

        Checks every store (and every stored version) first, so a refused purge deletes
        nothing: ``RETENTION_LOCKED``; ``NOT_FOUND`` if no store holds any version of it.
        """
        parse_object_key(key)
        now = self._clock()
        present: list[Backend] = []
        for store in (self.primary, self.backup):
            if store is None:
                continue
            try:
                locked_until = store.locked_until(key)
            except NotFoundError:
                continue
            if locked_until is not None and locked_until > now:
                raise RetentionLockedError(
                    f"{key} is under retention on {store.name} until {locked_until.isoformat()}",
                    key=key,
                    retain_until=locked_until,
                )
            present.append(store)
        if not present:
            raise NotFoundError(f"{key} is on no store", key=key)
        for store in present:
            store.delete(key)
