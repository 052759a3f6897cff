"""Key rotation of the archive (P3.2.1 AES-256 encryption with rotatable key-encryption keys).

Rotation re-wraps only the header (``crypto.rewrap``); the body is copied unchanged. It writes
with ``keep_previous_version=True``, so a retained copy is never lost: a versioned bucket keeps
it as an older version anyway, and a local folder moves it to its ``versions/`` area, still
retained until its own date (only an unversioned bucket refuses). Reads see the new copy; the
superseded one still names the old key id, so a retired KEK must stay in the keyring until those
versions are purged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from .archive import MIB, Archive
from .crypto import read_header, rewrap
from .errors import StorageError, TamperedError
from .naming import parse_object_key
from .reports import Failure, RotatedObject, RotationResult
from .streams import iter_blocks


def rotate_keys(archive: Archive, keys: Iterable[str]) -> RotationResult:
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
            outcome = _rotate_one(archive, key)
        except StorageError as exc:
            failed.append(Failure.of(key, exc))
            continue
        if outcome is None:
            unchanged.append(key)
        else:
            rotated.append(outcome)
    return RotationResult(tuple(rotated), tuple(unchanged), tuple(failed))


def _rotate_one(archive: Archive, key: str) -> RotatedObject | None:
    tier, _ = parse_object_key(key)
    current = archive.keyring.current_id
    stores = [archive.primary]
    if archive.replicated(tier):
        stores.append(archive.store("backup"))
    headers = [archive.header(store, key) for store in stores]
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
        if archive.body_digest(stores[0], key) != archive.body_digest(stores[1], key):
            raise TamperedError(f"{key}: the copies differ beyond their headers")
        info = archive.copy(key, stores[0], stores[1], digests[0], keep_previous_version=True)
        return RotatedObject(key, current, digests[0], info.size)
    new_header = rewrap(primary_header.to_bytes(), archive.keyring)
    retain_until = archive.future(archive.primary.head(key).retain_until)
    with archive.spool() as spool:
        digest = hashlib.sha256(new_header)
        source_digest = hashlib.sha256()
        spool.write(new_header)
        with archive.primary.open(key) as stream:
            source_digest.update(read_header(stream).to_bytes())
            for block in iter_blocks(stream, MIB):
                digest.update(block)
                source_digest.update(block)
                spool.write(block)
        if source_digest.hexdigest() != digests[0]:
            raise TamperedError(f"{key} changed on {archive.primary.name} while rotating")
        size = spool.tell()
        sha256 = digest.hexdigest()
        for store in stores:
            spool.seek(0)
            store.put(
                key, spool, sha256=sha256, retain_until=retain_until, keep_previous_version=True
            )
    return RotatedObject(key, current, sha256, size)
