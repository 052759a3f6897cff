"""Key rotation of the archive (P3.2.1): after a new key-encryption key is put first in
`ARCHIVE_KEYS`, every stored object's data key is re-wrapped under it (the encrypted body is
copied unchanged) and the document rows get the new key id and ciphertext checksum. Once no row
names the old key, it can be removed from the keyring.

An object still under retention keeps its old copy as a previous version (a versioned S3
bucket does this itself; the local store keeps it under `versions/`), retained until its own
date and still wrapped under the old key: retire the old key only after those copies are purged.
Objects that cannot be rotated (an unversioned bucket under retention) are reported, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.actor import Actor
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.models import Document
from domain.unit_of_work import audited
from storage import rotation as storage_rotation

BATCH = 200


@dataclass(frozen=True)
class RotationSummary:
    rotated: int
    unchanged: int
    failed: list[tuple[str, str]]  # (document name, reason)
    current_key_id: str
    documents_on_old_keys: int


async def rotate_archive_keys(actor: Actor) -> RotationSummary:
    archive = config.archive()
    current = archive.keyring.current_id
    rotated = unchanged = 0
    failed: list[tuple[str, str]] = []
    last_id = 0
    while True:
        rows = await (
            Document.filter(status=Status.ACTIVE, id__gt=last_id).order_by("id").limit(BATCH)
        )
        if not rows:
            break
        last_id = rows[-1].id
        by_key = {row.storage_key: row for row in rows}
        result = await archive_calls.run(storage_rotation.rotate_keys, archive, list(by_key))
        unchanged += len(result.unchanged)
        failed += [(by_key[f.key].name, f"{f.code}: {f.message}") for f in result.failed]
        for outcome in result.rotated:
            row = by_key[outcome.key]

            async def record(row=row, outcome=outcome):
                row.kek_id = outcome.kek_id
                row.ciphertext_sha256 = outcome.ciphertext_sha256
                row.ciphertext_size = outcome.ciphertext_size
                await row.save(update_fields=["kek_id", "ciphertext_sha256", "ciphertext_size"])
                return row

            await audited(actor, "rotateArchiveKey", "Document", record, subject_id=row.id)
            rotated += 1
    remaining = await Document.filter(status=Status.ACTIVE).exclude(kek_id=current).count()
    return RotationSummary(rotated, unchanged, failed, current, remaining)
