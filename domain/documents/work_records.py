"""Tier 3 work records: archived monthly, purged when their retention ends.

Monthly archiving seals each past month: one index document (JSON) lists every work record of
the month with its name, kind, size, SHA-256 of content and ciphertext, key id and retention,
is stored in the archive itself, and each record is marked archived under that seal. Records
are retained from the end of their month for `archive_work_record_retention_years` (the date is
fixed at upload and given to the stores). The purge job removes sealed records and indexes
whose retention date has passed and whose age also exceeds the current parameter (so raising
the parameter keeps records longer), and records every removal: the row stays as a PURGED
tombstone with name and checksums, and an audit entry names what was removed and why.

Policy: P3.2.3 (work records archived monthly, kept for X years, then removed), P0.3
(traceability of what was removed).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field

from tortoise.expressions import Q

from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind, Status
from domain.documents.retention import add_years, local_midnight, month_start, remove_content
from domain.errors import DomainError, ErrorCode
from domain.models import Document, WorkRecordSeal
from domain.policy_params import params
from domain.unit_of_work import audited

BATCH = 200


def _period(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _index_content(period: str, part: int, records: list[Document]) -> bytes:
    body = {
        "period": period,
        "part": part,
        "sealed_at": clock.now().isoformat(),
        "records": [
            {
                "name": r.name,
                "kind": r.kind,
                "content_type": r.content_type,
                "size": r.size,
                "sha256": r.sha256,
                "ciphertext_sha256": r.ciphertext_sha256,
                "storage_key": r.storage_key,
                "kek_id": r.kek_id,
                "retain_until": r.retain_until.isoformat() if r.retain_until else None,
                "uploaded_by": r.uploaded_by_ref,
            }
            for r in records
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


async def seal_month(actor: Actor, period: str, records: list[Document]) -> WorkRecordSeal:
    part = await WorkRecordSeal.filter(period=period).count() + 1
    new = uploads.NewDocument(
        kind=Kind.ARCHIVE_INDEX,
        subject=f"work records index {period} part {part}",
        content_type="application/json",
        description=f"Monthly archive of {len(records)} work record(s) of {period}.",
    )
    stored = await uploads.store_content(
        new, Kind.ARCHIVE_INDEX, io.BytesIO(_index_content(period, part, records)), None
    )
    ids = [r.id for r in records]

    async def work() -> WorkRecordSeal:
        index = await uploads.create_document(actor, stored)
        now = clock.now()
        seal = await WorkRecordSeal.create(
            period=period,
            part=part,
            status="SEALED",
            record_count=len(ids),
            index_document_id=index.id,
            sealed_at=now,
        )
        marked = await Document.filter(id__in=ids, archived_at=None).update(
            archived_at=now, archive_seal_id=seal.id
        )
        if marked != len(ids):
            raise DomainError(ErrorCode.CONFLICT, f"Work records of {period} changed meanwhile.")
        await Document.filter(id=index.id).update(archived_at=now, archive_seal_id=seal.id)
        return seal

    return await audited(
        actor,
        "archiveWorkRecords",
        "WorkRecordSeal",
        work,
        detail=f"{period} part {part}: {len(ids)} record(s), index {stored.name}",
    )


async def seal_past_months(actor: Actor = SYSTEM) -> list[WorkRecordSeal]:
    """Seal every month before the current one that has unarchived work records."""
    boundary = local_midnight(month_start(clock.today()))
    pending = (
        await Document.filter(
            tier=3, status=Status.ACTIVE, archived_at=None, created_at__lt=boundary
        )
        .exclude(kind=Kind.ARCHIVE_INDEX)
        .order_by("document_date", "id")
    )
    by_period: dict[str, list[Document]] = {}
    for record in pending:
        by_period.setdefault(_period(record.document_date), []).append(record)
    return [await seal_month(actor, period, records) for period, records in by_period.items()]


@dataclass
class PurgeResult:
    purged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


async def purge_expired(actor: Actor = SYSTEM) -> PurgeResult:
    """Remove sealed work records (and indexes) whose retention is over; record each removal."""
    now = clock.now()
    years = await params.archive_work_record_retention_years
    result = PurgeResult()
    expired = (
        Document.filter(
            tier=3,
            status=Status.ACTIVE,
            retain_until__lte=now,
            created_at__lte=add_years(now, -years),
        )
        .filter(Q(archived_at__not_isnull=True) | Q(kind=Kind.ARCHIVE_INDEX))
        .order_by("id")
    )
    last_id = 0
    while batch := await expired.filter(id__gt=last_id).limit(BATCH):
        last_id = batch[-1].id
        for document in batch:
            try:
                await remove_content(document)
            except DomainError as failure:
                result.kept.append(f"{document.name}: {failure.code}")
                continue
            await _record_purge(actor, document)
            result.purged.append(document.name)
    return result


async def _record_purge(actor: Actor, document: Document) -> None:
    reason = f"retention ended {document.retain_until.date().isoformat()}"

    async def work() -> Document:
        await Document.filter(id=document.id, status=Status.ACTIVE).update(
            status=Status.PURGED,
            removed_at=clock.now(),
            removed_by_ref=actor.identity.actor_ref or "system",
            removal_reason=reason,
        )
        return document

    await audited(
        actor,
        "purgeDocument",
        "Document",
        work,
        subject_id=document.id,
        detail=f"{document.name} ({document.kind}) sha256 {document.sha256}: {reason}",
    )
