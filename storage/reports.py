"""Plain result records returned by the archive, for the domain layer to persist or show.

They are frozen dataclasses of strings, ints and datetimes only, so the domain can copy them
into its own rows and audit entries without importing anything else from ``storage``.

Policy: P3.2.1 (the record of an archived document: checksums and key id as evidence of
integrity), P3.2.5 (replica verification, repair and restore reports).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from .errors import ErrorCode, StorageError

CopyName = Literal["primary", "backup"]


@dataclass(frozen=True)
class ArchiveRecord:
    """What ``Archive.put`` stored; keep it with the document (the checksums are the evidence)."""

    key: str
    document_id: str
    tier: int
    name: str
    size: int
    sha256: str
    ciphertext_size: int
    ciphertext_sha256: str
    kek_id: str
    stores: tuple[str, ...]
    retain_until: datetime | None


class ReplicaState(StrEnum):
    OK = "ok"
    MISSING_ON_PRIMARY = "missing_on_primary"
    MISSING_ON_BACKUP = "missing_on_backup"
    MISSING = "missing"
    DIFFERS = "differs"


@dataclass(frozen=True)
class ReplicaStatus:
    """One key's comparison. ``good_copy`` is the copy a repair would copy from, if any.

    ``replicated`` is False for tiers kept on the primary only; their state then compares the
    primary with the recorded checksum alone.
    """

    key: str
    state: ReplicaState
    primary_sha256: str | None
    backup_sha256: str | None
    expected_sha256: str | None
    good_copy: CopyName | None
    replicated: bool

    @property
    def repairable(self) -> bool:
        return self.state is not ReplicaState.OK and self.good_copy is not None


@dataclass(frozen=True)
class ReplicaReport:
    entries: tuple[ReplicaStatus, ...]

    def _keys(self, state: ReplicaState) -> tuple[str, ...]:
        return tuple(entry.key for entry in self.entries if entry.state is state)

    @property
    def ok(self) -> tuple[str, ...]:
        return self._keys(ReplicaState.OK)

    @property
    def missing_on_primary(self) -> tuple[str, ...]:
        return self._keys(ReplicaState.MISSING_ON_PRIMARY)

    @property
    def missing_on_backup(self) -> tuple[str, ...]:
        return self._keys(ReplicaState.MISSING_ON_BACKUP)

    @property
    def missing(self) -> tuple[str, ...]:
        """Keys with no copy on any store: lost documents."""
        return self._keys(ReplicaState.MISSING)

    @property
    def differs(self) -> tuple[str, ...]:
        return self._keys(ReplicaState.DIFFERS)

    @property
    def problems(self) -> tuple[ReplicaStatus, ...]:
        return tuple(entry for entry in self.entries if entry.state is not ReplicaState.OK)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def __iter__(self) -> Iterator[ReplicaStatus]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Failure:
    key: str
    code: ErrorCode
    message: str

    @classmethod
    def of(cls, key: str, error: StorageError) -> Failure:
        return cls(key, error.code, error.message)


@dataclass(frozen=True)
class RepairResult:
    repaired: tuple[str, ...]
    failed: tuple[Failure, ...]


@dataclass(frozen=True)
class RestoreResult:
    """``conflicts``: present on both stores with different bytes and not overwritten."""

    restored: tuple[str, ...]
    unchanged: tuple[str, ...]
    conflicts: tuple[str, ...]
    failed: tuple[Failure, ...]


@dataclass(frozen=True)
class RotatedObject:
    """The new ciphertext identity of a re-wrapped object: update the stored record with it."""

    key: str
    kek_id: str
    ciphertext_sha256: str
    ciphertext_size: int


@dataclass(frozen=True)
class RotationResult:
    rotated: tuple[RotatedObject, ...]
    unchanged: tuple[str, ...]
    failed: tuple[Failure, ...]
