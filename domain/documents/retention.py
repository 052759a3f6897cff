"""How long a document is kept, and removing one once that time is over.

Tier 1 legal documents are write-once and kept `archive_legal_retention_years` from their
upload; tier 3 work records are kept `archive_work_record_retention_years` from the end of the
month they belong to (they are archived monthly); tier 2 customer files carry no retention date
and may be removed by an authorised role when their purpose ends. The retention date is given
to every store (object lock on S3), so the stores refuse an early delete as well. A removed
document keeps its row as a tombstone: name, checksums and who removed it and why.

Policy: P3.2.1 (legal documents write-once, no early deletion), P3.2.2 (customer files removed
only by authorised staff), P3.2.3 (work records kept X years), P6.2.3 (a deletion runs only
once a second authorised person confirms it).
"""

from __future__ import annotations

import datetime as dt

from domain import dual_review
from domain.actor import Actor
from domain.clock import UTC, clock
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.errors import DomainError, ErrorCode
from domain.models import Document, PendingOperation
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


async def _deletable(document_id: int, reason: str) -> Document:
    if not reason or not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the document is removed.", "reason")
    document = await Document.get_or_none(id=document_id, status=Status.ACTIVE)
    if document is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such document.", "documentId")
    if document.retain_until is not None and document.retain_until > clock.now():
        raise DomainError(
            ErrorCode.RETENTION_LOCKED,
            f"Document {document.name} is under retention until "
            f"{document.retain_until.date().isoformat()}; no one may delete it before.",
            "documentId",
        )
    return document


async def delete_document(actor: Actor, document_id: int, reason: str) -> PendingOperation:
    """Request the removal of a document (audits itself). Deleting from the archive is a
    high-risk operation (P6.2.3): it is stored for a second person, who needs the right to
    delete documents of its tier, and `_run_delete` removes it once confirmed."""
    async with refusals_audited(actor, "deleteDocument", "Document", subject_id=document_id):
        document = await _deletable(document_id, reason)

    async def work() -> PendingOperation:
        return await dual_review.request(
            actor,
            "document.delete",
            {
                "document_id": document.id,
                "name": document.name,
                "sha256": document.sha256,
                "reason": reason.strip(),
                "requested_by_ref": actor.identity.actor_ref or "system",
            },
            summary=f"Delete document {document.name} (tier {document.tier}): {reason.strip()}",
            permissions=[("document", "delete"), (f"document_tier{document.tier}", "delete")],
            subject_type="Document",
            subject_id=document.id,
        )

    return await audited(actor, "requestDeleteDocument", "Document", work, subject_id=document.id)


@dual_review.operation("document.delete", in_transaction=False)
async def _run_delete(operation: PendingOperation, checker: Actor) -> dict:
    """Dual-review runner: remove the content from every store and keep the row as a
    tombstone naming who asked and who confirmed. Runs outside one transaction (the archive)
    and audits itself."""
    args = operation.arguments
    reason = args["reason"]
    async with refusals_audited(
        checker, "deleteDocument", "Document", subject_id=args["document_id"]
    ):
        document = await _deletable(args["document_id"], reason)
        if document.sha256 != args["sha256"]:
            raise DomainError(
                ErrorCode.TAMPERED, "The document is not the one that was reviewed.", "documentId"
            )
        await remove_content(document)
    now = clock.now()

    async def work() -> Document:
        removed = await Document.filter(id=document.id, status=Status.ACTIVE).update(
            status=Status.DELETED,
            removed_at=now,
            removed_by_ref=args["requested_by_ref"],
            removal_reason=reason,
        )
        if not removed:
            raise DomainError(ErrorCode.CONFLICT, "The document was removed meanwhile.")
        return await Document.get(id=document.id)

    await audited(
        checker,
        "deleteDocument",
        "Document",
        work,
        subject_id=document.id,
        detail=f"{document.name} sha256 {document.sha256}: {reason}"[:2000],
    )
    return {"documentId": document.id}


async def remove_content(document: Document) -> None:
    """Purge a document from every store; content already gone counts as removed."""
    try:
        await archive_calls.run(config.archive().purge, document.storage_key)
    except DomainError as refusal:
        if refusal.code != ErrorCode.NOT_FOUND:
            raise
