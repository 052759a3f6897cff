"""The interface every object store of the archive implements, plus what they share.

Stores only ever see ciphertext. The interface is deliberately small and synchronous: the
archive composes it (two stores, rollback, verification), and the async domain layer calls the
archive from a worker thread. Each store records, per object, the SHA-256 of its bytes and its
retention date, so replicas can be compared cheaply and retention is honoured by this library
even where the store itself cannot enforce it (``hard_retention`` says which).

Superseded copies may live on as non-current versions (every one on a versioned bucket; a
retained one in a local folder when the write asks for it): reads and ``list_keys`` see only
current copies, while ``delete`` and ``locked_until`` cover every version.

Policy: P3.2.3 (retention: a copy under retention is neither deleted nor overwritten),
P3.2.5 (checksums make two isolated copies comparable).
"""

from __future__ import annotations

import contextlib
import io
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import NotFoundError, StorageError
from ..streams import Reader, Source, sha256_of

MAX_KEY_BYTES = 1024

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ObjectInfo:
    """What a store knows about one object without reading it.

    ``sha256`` is the hex digest recorded when the object was written, ``None`` if the object
    was written by something other than this library. ``version_id`` identifies the exact copy
    written by a ``put`` on versioned stores, so a rollback removes only that copy.
    """

    key: str
    size: int
    sha256: str | None
    retain_until: datetime | None
    version_id: str | None = None


def validate_key(key: str) -> str:
    """Reject keys that could escape a folder or mean different things to different stores."""
    if not isinstance(key, str) or not key:
        raise ValueError("an object key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise ValueError(f"object key longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"object key {key!r} must be relative and use '/' separators")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"object key {key!r} has an empty, '.' or '..' segment")
    return key


def check_aware(moment: datetime | None, what: str = "retain_until") -> datetime | None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment


class ReadStream(io.RawIOBase):
    """A store's object opened for reading; translates transport errors into ``StorageError``."""

    def __init__(
        self,
        raw: Reader,
        translate: Callable[[Exception], StorageError],
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._translate = translate
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        try:
            # Some transports (urllib3 via botocore) take "no argument", not -1, for "all".
            return self._raw.read() if size is None or size < 0 else self._raw.read(size)
        except StorageError:
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            # Closing must never mask the outcome the caller is already handling.
            with contextlib.suppress(Exception):
                self._on_close()
        super().close()


class Backend(ABC):
    """A flat key -> bytes store with per-object checksum and retention."""

    #: Short label used in reports and error messages ("primary", "backup", ...).
    name: str

    #: Where the bytes physically live (folder, endpoint + bucket); two stores of one archive
    #: must differ here, or the "backup" would be the same copy.
    location: str

    #: True when the store itself refuses early deletes (S3 object lock); False when only this
    #: library's checks stand between a caller and the delete.
    hard_retention: bool = False

    @abstractmethod
    def put(
        self,
        key: str,
        data: Source,
        *,
        sha256: str | None = None,
        retain_until: datetime | None = None,
        keep_previous_version: bool = False,
    ) -> ObjectInfo:
        """Store ``data`` under ``key`` as its current copy.

        With ``sha256`` given, the bytes are checked against it before the object becomes
        visible (``TAMPERED`` on mismatch). ``retain_until`` forbids deleting this copy before
        that moment, and destroying or altering it by a later write: such a write either keeps
        it, unchanged and still retained, as a non-current version (a versioned bucket always
        does; a local folder does only with ``keep_previous_version=True``) or is refused with
        ``RETENTION_LOCKED`` (a plain write to a local folder: archived copies are write-once).

        ``keep_previous_version=True`` is for writes that must supersede a retained copy
        without losing it (key rotation); a store that cannot keep versions (an unversioned
        bucket) refuses it with ``RETENTION_LOCKED``. A current copy that is not retained is
        simply replaced, with or without it, unless the store keeps every version anyway.
        """

    @abstractmethod
    def open(self, key: str) -> ReadStream:
        """Open the current copy for streaming reads (``NOT_FOUND`` if absent)."""

    @abstractmethod
    def head(self, key: str) -> ObjectInfo:
        """Size, recorded checksum and retention of the current copy (``NOT_FOUND`` if absent)."""

    @abstractmethod
    def delete(self, key: str, *, version_id: str | None = None) -> None:
        """Remove an object and all its stored versions, or only ``version_id``.

        Raises ``RETENTION_LOCKED`` before removing anything if any targeted copy is retained.
        """

    @abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys of current objects starting with ``prefix``."""

    def locked_until(self, key: str) -> datetime | None:
        """Latest retention date over every stored copy of ``key`` (versions included)."""
        return self.head(key).retain_until

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except NotFoundError:
            return False
        return True

    def checksum(self, key: str) -> str:
        """SHA-256 of the bytes actually stored, read end to end (detects silent corruption)."""
        with self.open(key) as stream:
            digest, _ = sha256_of(stream)
        return digest

    def recorded_checksum(self, key: str) -> str:
        """The checksum recorded at write time, falling back to reading the object."""
        info = self.head(key)
        return info.sha256 if info.sha256 is not None else self.checksum(key)

    def put_bytes(
        self, key: str, data: bytes, *, retain_until: datetime | None = None
    ) -> ObjectInfo:
        return self.put(key, data, retain_until=retain_until)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
