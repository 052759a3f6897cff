"""Key rotation of the archive (P3.2.1): after a new key-encryption key is put first in
`ARCHIVE_KEYS`, every stored object's data key is re-wrapped under it (the encrypted body is
copied unchanged) and the document rows get the new key id and ciphertext checksum. Once no row
names the old key, it can be removed from the keyring.

An object still under retention keeps its old copy as a previous version (a versioned S3
bucket does this itself; the local store keeps it under `versions/`), retained until its own
date and still wrapped under the old key: retire the old key only after those copies are purged.
Objects that cannot be rotated (an unversioned bucket under retention) are reported, not hidden.
Rotation is a high-risk operation (P6.2.3): `rotate_archive_keys` stores it for a second person
to confirm; the confirmation runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import dual_review
from domain.actor import Actor
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.errors import DomainError, ErrorCode
from domain.models import Document, PendingOperation
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


async def rotate_archive_keys(actor: Actor) -> PendingOperation:
    """Request a rotation (P6.2.3: key rotation runs only after a second person confirms;
    `confirm` runs `rotate_now` then, under the key that was current when it was asked)."""
    current = config.archive().keyring.current_id

    async def work() -> PendingOperation:
        return await dual_review.request(
            actor,
            "archive_keys.rotate",
            {"current_key_id": current},
            summary=f"Re-wrap every archived document under key {current}",
            permissions=[("archive", "rotate_keys")],
            subject_type="Archive",
            subject_id=current,
        )

    return await audited(actor, "requestArchiveKeyRotation", "Archive", work, subject_id=current)


@dual_review.operation("archive_keys.rotate", in_transaction=False)
async def _run_rotation(operation: PendingOperation, checker: Actor) -> dict:
    wanted = operation.arguments["current_key_id"]
    if config.archive().keyring.current_id != wanted:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"The current archive key is no longer {wanted}: ask for the rotation again.",
            "operationId",
        )
    summary = await rotate_now(checker)
    return {
        "rotated": summary.rotated,
        "unchanged": summary.unchanged,
        "failed": [list(item) for item in summary.failed],
        "currentKeyId": summary.current_key_id,
        "documentsOnOldKeys": summary.documents_on_old_keys,
    }


async def rotate_now(actor: Actor) -> RotationSummary:
    """Re-wrap every document at once. Only the dual-review runner calls this."""
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
