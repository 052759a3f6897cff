"""Replica verification, repair and restore of the archive's two copies (P3.2.5 two isolated
copies of important files).

Both stores hold byte-identical ciphertext, so one SHA-256 per document describes both copies
and they are compared without any key. A differing or missing copy is repaired from the copy
that matches the recorded checksum, never guessed at; the primary can be rebuilt from the
backup after it is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from .archive import Archive
from .errors import NotFoundError, StorageError, TamperedError
from .naming import parse_object_key
from .reports import (
    CopyName,
    Failure,
    RepairResult,
    ReplicaReport,
    ReplicaState,
    ReplicaStatus,
    RestoreResult,
)

logger = logging.getLogger(__name__)


def verify_replicas(
    archive: Archive, keys: Iterable[str] | Mapping[str, str], *, deep: bool = True
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
        _verify_one(archive, key, expected_by_key.get(key), deep)
        for key in (list(keys) if not isinstance(keys, Mapping) else list(keys.keys()))
    ]
    return ReplicaReport(tuple(entries))


def _verify_one(archive: Archive, key: str, expected: str | None, deep: bool) -> ReplicaStatus:
    tier, _ = parse_object_key(key)
    replicated = archive.replicated(tier)
    primary = archive.digest(archive.primary, key, deep)
    backup = archive.digest(archive.store("backup"), key, deep) if replicated else None

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


def repair(archive: Archive, report: ReplicaReport) -> RepairResult:
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
            archive.copy(entry.key, archive.store(entry.good_copy), archive.store(other), good_sha)
        except StorageError as exc:
            failed.append(Failure.of(entry.key, exc))
            continue
        logger.info("repaired %s on %s from %s", entry.key, other, entry.good_copy)
        repaired.append(entry.key)
    return RepairResult(tuple(repaired), tuple(failed))


def restore_primary(
    archive: Archive, *, prefix: str = "", overwrite: bool = False
) -> RestoreResult:
    """Rebuild the primary from the backup (after losing or replacing the primary store).

    Copies every backup object the primary lacks; objects on both with different bytes are
    ``conflicts`` unless ``overwrite``. Idempotent: re-run it after a failure. Tiers kept
    only on the primary cannot be restored from here.
    """
    backup = archive.store("backup")
    restored: list[str] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    failed: list[Failure] = []
    for key in backup.list_keys(prefix):
        try:
            backup_sha = backup.recorded_checksum(key)
            primary_sha = archive.digest(archive.primary, key, deep=False)
            if primary_sha == backup_sha:
                unchanged.append(key)
                continue
            if primary_sha is not None and not overwrite:
                conflicts.append(key)
                continue
            archive.copy(key, backup, archive.primary, backup_sha)
            restored.append(key)
        except StorageError as exc:
            failed.append(Failure.of(key, exc))
    return RestoreResult(tuple(restored), tuple(unchanged), tuple(conflicts), tuple(failed))


def _unrepairable(entry: ReplicaStatus) -> StorageError:
    if entry.state is ReplicaState.MISSING:
        return NotFoundError(f"{entry.key} is on no store", key=entry.key)
    if entry.expected_sha256 is None:
        return TamperedError(
            f"{entry.key}: copies differ and no recorded checksum says which one is good"
        )
    return TamperedError(f"{entry.key}: no copy matches the recorded checksum")
