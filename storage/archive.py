"""The archive facade: encrypt once, store on a primary and an isolated backup, verify, repair.

``Archive.put`` encrypts a document stream once into a spool (only ciphertext ever touches
disk there), then writes those exact bytes to the primary store and, for the tiers that need
a second copy, to the backup. Either both copies exist or the call fails: a failed second
write removes the first copy again, and a copy that retention already locks is reported in the
error instead of being left silently. Because both stores hold byte-identical ciphertext, one
SHA-256 per document describes both and replicas can be compared without any key.

Key rotation re-wraps only the header (``crypto.rewrap``); the body is copied unchanged. It
writes with ``keep_previous_version=True``, so a retained copy is never lost: a versioned bucket
keeps it as an older version anyway, and a local folder moves it to its ``versions/`` area, still
retained until its own date (only an unversioned bucket refuses). Reads see the new copy; the
superseded one still names the old key id, so a retired KEK must stay in the keyring until those
versions are purged (``purge`` removes every version once none is retained).

Policy: P3.2.1 (AES-256 envelope encryption of every tier; integrity evidence per document),
P3.2.2 (customer files readable only through this facade with the keyring), P3.2.3 (retention
passed to every store and honoured by ``purge``), P3.2.4 (keys built from validated names),
P3.2.5 (two isolated copies of tiers 1 and 2, replica verification, repair and restore).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import IO

from .backends.base import Backend, Clock, ObjectInfo, ReadStream, check_aware, utc_now
from .crypto import DEFAULT_CHUNK_SIZE, Header, decrypt, encrypt, read_header, rewrap
from .errors import (
    AlreadyExistsError,
    BackendUnavailableError,
    NotFoundError,
    RetentionLockedError,
    StorageError,
    TamperedError,
)
from .keyring import Keyring
from .naming import object_key, parse_object_key, validate_tier
from .reports import (
    ArchiveRecord,
    CopyName,
    Failure,
    RepairResult,
    ReplicaReport,
    ReplicaState,
    ReplicaStatus,
    RestoreResult,
    RotatedObject,
    RotationResult,
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

    # -- helpers ------------------------------------------------------------------------

    def _spool(self) -> IO[bytes]:
        # Holds ciphertext only; small objects never leave memory.
        return tempfile.SpooledTemporaryFile(  # type: ignore[return-value]
            max_size=self._spool_memory, dir=self._spool_dir, prefix="archive-"
        )

    def _replicated(self, tier: int) -> bool:
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

    def _store(self, which: CopyName) -> Backend:
        store = self.primary if which == "primary" else self.backup
        if store is None:
            raise ValueError("no backup store is configured")
        return store

    def _future(self, moment: datetime | None) -> datetime | None:
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

    def _copy(
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
                retain_until=self._future(info.retain_until),
                keep_previous_version=keep_previous_version,
            )

    @staticmethod
    def _digest(store: Backend, key: str, deep: bool) -> str | None:
        try:
            return store.checksum(key) if deep else store.recorded_checksum(key)
        except NotFoundError:
            return None

    @staticmethod
    def _header(store: Backend, key: str) -> Header:
        with store.open(key) as stream:
            return read_header(stream)

    @staticmethod
    def _body_digest(store: Backend, key: str) -> str:
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
        with self._spool() as spool:
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
        if fallback and self._replicated(tier):
            candidates.append(self._store("backup"))
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

    # -- replicas -----------------------------------------------------------------------

    def verify_replicas(
        self, keys: Iterable[str] | Mapping[str, str], *, deep: bool = True
    ) -> ReplicaReport:
        """Compare each key's ciphertext on both stores (and with its recorded checksum).

        Pass a mapping ``key -> ArchiveRecord.ciphertext_sha256`` so that a differing pair
        can be resolved (the copy matching the record is the good one) and a pair that agrees
        on wrong bytes is caught. ``deep`` hashes the stored bytes; ``deep=False`` trusts the
        checksums the stores recorded at write time (fast, but blind to later bit rot).
        """
        expected_by_key = (
            {key: value.lower() for key, value in keys.items()} if isinstance(keys, Mapping) else {}
        )
        entries = [
            self._verify_one(key, expected_by_key.get(key), deep)
            for key in (list(keys) if not isinstance(keys, Mapping) else list(keys.keys()))
        ]
        return ReplicaReport(tuple(entries))

    def _verify_one(self, key: str, expected: str | None, deep: bool) -> ReplicaStatus:
        tier, _ = parse_object_key(key)
        replicated = self._replicated(tier)
        primary = self._digest(self.primary, key, deep)
        backup = self._digest(self._store("backup"), key, deep) if replicated else None

        def matches(digest: str | None) -> bool:
            return digest is not None and (expected is None or digest == expected)

        good: CopyName | None = None
        if not replicated:
            if primary is None:
                state = ReplicaState.MISSING
            else:
                state = ReplicaState.OK if matches(primary) else ReplicaState.DIFFERS
        elif primary is None and backup is None:
            state = ReplicaState.MISSING
        elif primary is None:
            state = ReplicaState.MISSING_ON_PRIMARY
            good = "backup" if matches(backup) else None
        elif backup is None:
            state = ReplicaState.MISSING_ON_BACKUP
            good = "primary" if matches(primary) else None
        elif primary == backup and matches(primary):
            state = ReplicaState.OK
        else:
            state = ReplicaState.DIFFERS
            if expected is not None and primary == expected:
                good = "primary"
            elif expected is not None and backup == expected:
                good = "backup"
        return ReplicaStatus(key, state, primary, backup, expected, good, replicated)

    def repair(self, report: ReplicaReport) -> RepairResult:
        """Copy each problem key's good copy over the missing or differing one.

        Keys without a known good copy (copies differ and no recorded checksum was given,
        or no copy matches it) are returned as failures, never guessed at.
        """
        repaired: list[str] = []
        failed: list[Failure] = []
        for entry in report.problems:
            if entry.good_copy is None:
                failed.append(Failure.of(entry.key, _unrepairable(entry)))
                continue
            other: CopyName = "backup" if entry.good_copy == "primary" else "primary"
            good_sha = entry.primary_sha256 if entry.good_copy == "primary" else entry.backup_sha256
            try:
                self._copy(entry.key, self._store(entry.good_copy), self._store(other), good_sha)
            except StorageError as exc:
                failed.append(Failure.of(entry.key, exc))
                continue
            logger.info("repaired %s on %s from %s", entry.key, other, entry.good_copy)
            repaired.append(entry.key)
        return RepairResult(tuple(repaired), tuple(failed))

    def restore_primary(self, *, prefix: str = "", overwrite: bool = False) -> RestoreResult:
        """Rebuild the primary from the backup (after losing or replacing the primary store).

        Copies every backup object the primary lacks; objects on both with different bytes are
        ``conflicts`` unless ``overwrite``. Idempotent: re-run it after a failure. Tiers kept
        only on the primary cannot be restored from here.
        """
        backup = self._store("backup")
        restored: list[str] = []
        unchanged: list[str] = []
        conflicts: list[str] = []
        failed: list[Failure] = []
        for key in backup.list_keys(prefix):
            try:
                backup_sha = backup.recorded_checksum(key)
                primary_sha = self._digest(self.primary, key, deep=False)
                if primary_sha == backup_sha:
                    unchanged.append(key)
                    continue
                if primary_sha is not None and not overwrite:
                    conflicts.append(key)
                    continue
                self._copy(key, backup, self.primary, backup_sha)
                restored.append(key)
            except StorageError as exc:
                failed.append(Failure.of(key, exc))
        return RestoreResult(tuple(restored), tuple(unchanged), tuple(conflicts), tuple(failed))

    # -- key rotation -------------------------------------------------------------------

    def rotate_keys(self, keys: Iterable[str]) -> RotationResult:
        """Re-wrap each object's data key under the keyring's current KEK.

        Only the header changes; the body is copied byte for byte. Objects already under the
        current KEK on every store are ``unchanged``. A rotation interrupted between the two
        stores is completed on the next run. Each rotated object has a new ciphertext checksum
        (in ``rotated``) that the caller must store in place of the old one. A retained copy is
        superseded, not overwritten: it stays as a non-current version until its retention ends
        (an unversioned bucket cannot keep it, and the object is reported as ``failed``).
        """
        rotated: list[RotatedObject] = []
        unchanged: list[str] = []
        failed: list[Failure] = []
        for key in keys:
            try:
                outcome = self._rotate_one(key)
            except StorageError as exc:
                failed.append(Failure.of(key, exc))
                continue
            if outcome is None:
                unchanged.append(key)
            else:
                rotated.append(outcome)
        return RotationResult(tuple(rotated), tuple(unchanged), tuple(failed))

    def _rotate_one(self, key: str) -> RotatedObject | None:
        tier, _ = parse_object_key(key)
        current = self.keyring.current_id
        stores = [self.primary]
        if self._replicated(tier):
            stores.append(self._store("backup"))
        headers = [self._header(store, key) for store in stores]
        digests = [store.checksum(key) for store in stores]
        primary_header = headers[0]
        if all(header.kek_id == current for header in headers) and len(set(digests)) == 1:
            return None
        if len(set(digests)) > 1:
            if primary_header.kek_id != current or headers[1].kek_id == current:
                raise TamperedError(
                    f"{key}: the copies differ; run verify_replicas and repair before rotating"
                )
            # The primary was rotated but the backup write failed last time: finish the job,
            # provided only the header differs.
            if self._body_digest(stores[0], key) != self._body_digest(stores[1], key):
                raise TamperedError(f"{key}: the copies differ beyond their headers")
            info = self._copy(key, stores[0], stores[1], digests[0], keep_previous_version=True)
            return RotatedObject(key, current, digests[0], info.size)
        new_header = rewrap(primary_header.to_bytes(), self.keyring)
        retain_until = self._future(self.primary.head(key).retain_until)
        with self._spool() as spool:
            digest = hashlib.sha256(new_header)
            source_digest = hashlib.sha256()
            spool.write(new_header)
            with self.primary.open(key) as stream:
                source_digest.update(read_header(stream).to_bytes())
                for block in iter_blocks(stream, MIB):
                    digest.update(block)
                    source_digest.update(block)
                    spool.write(block)
            if source_digest.hexdigest() != digests[0]:
                raise TamperedError(f"{key} changed on {self.primary.name} while rotating")
            size = spool.tell()
            sha256 = digest.hexdigest()
            for store in stores:
                spool.seek(0)
                store.put(
                    key, spool, sha256=sha256, retain_until=retain_until, keep_previous_version=True
                )
        return RotatedObject(key, current, sha256, size)


def _unrepairable(entry: ReplicaStatus) -> StorageError:
    if entry.state is ReplicaState.MISSING:
        return NotFoundError(f"{entry.key} is on no store", key=entry.key)
    if entry.expected_sha256 is None:
        return TamperedError(
            f"{entry.key}: copies differ and no recorded checksum says which one is good"
        )
    return TamperedError(f"{entry.key}: no copy matches the recorded checksum")
