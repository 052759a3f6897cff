"""How long a document is kept, and removing one once that time is over.

Tier 1 legal documents are write-once and kept `archive_legal_retention_years` from their
upload; tier 3 work records are kept `archive_work_record_retention_years` from the end of the
month they belong to (they are archived monthly); tier 2 customer files carry no retention date
and may be removed by an authorised role when their purpose ends. The retention date is given
to every store (object lock on S3), so the stores refuse an early delete as well. A removed
document keeps its row as a tombstone: name, checksums and who removed it and why.

Policy: P3.2.1 (legal documents write-once, no early deletion), P3.2.2 (customer files removed
only by authorised staff), P3.2.3 (work records kept X years).
"""

from __future__ import annotations

import datetime as dt

from domain.actor import Actor
from domain.clock import UTC, clock
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.errors import DomainError, ErrorCode
from domain.models import Document
from domain.policy_params import params
from domain.unit_of_work import audited, refusals_audited


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year + years, day=28)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month_start(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def local_midnight(day: dt.date) -> dt.datetime:
    """The UTC instant at which a hotel-local day begins."""
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.hotel_timezone).astimezone(UTC)


async def retain_until_for(tier: int, at: dt.datetime) -> dt.datetime | None:
    if tier == 1:
        return add_years(at, await params.archive_legal_retention_years)
    if tier == 3:
        years = await params.archive_work_record_retention_years
        return add_years(local_midnight(next_month_start(clock.local(at).date())), years)
    return None


async def delete_document(actor: Actor, document_id: int, reason: str) -> Document:
    """Remove a document's content from every store and keep its row as a tombstone."""
    async with refusals_audited(actor, "deleteDocument", "Document", subject_id=document_id):
        if not reason or not reason.strip():
            raise DomainError(ErrorCode.REQUIRED, "Say why the document is removed.", "reason")
        document = await Document.get_or_none(id=document_id, status=Status.ACTIVE)
        if document is None:
            raise DomainError(ErrorCode.NOT_FOUND, "There is no such document.", "documentId")
        now = clock.now()
        if document.retain_until is not None and document.retain_until > now:
            raise DomainError(
                ErrorCode.RETENTION_LOCKED,
                f"Document {document.name} is under retention until "
                f"{document.retain_until.date().isoformat()}; no one may delete it before.",
                "documentId",
            )
        await remove_content(document)

    async def work() -> Document:
        removed = await Document.filter(id=document.id, status=Status.ACTIVE).update(
            status=Status.DELETED,
            removed_at=now,
            removed_by_ref=actor.identity.actor_ref,
            removal_reason=reason.strip(),
        )
        if not removed:
            raise DomainError(ErrorCode.CONFLICT, "The document was removed meanwhile.")
        return await Document.get(id=document.id)

    return await audited(
        actor,
        "deleteDocument",
        "Document",
        work,
        subject_id=document.id,
        detail=f"{document.name} sha256 {document.sha256}: {reason.strip()}"[:2000],
    )


async def remove_content(document: Document) -> None:
    """Purge a document from every store; content already gone counts as removed."""
    try:
        await archive_calls.run(config.archive().purge, document.storage_key)
    except DomainError as refusal:
        if refusal.code != ErrorCode.NOT_FOUND:
            raise
