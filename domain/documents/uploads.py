"""Putting a document into the archive: validate, number, encrypt and store, then record.

The content is encrypted and written to every store its tier needs (both isolated stores for
tiers 1 and 2) before any row is written, outside the database transaction, so a slow or
failing store never holds the database. Only once the archive holds every copy is the
`Document` row created, in one audited transaction with its notifications: a store that is
down, an oversized or forbidden file leaves no row and no copy behind (the archive removes a
first copy when the second write fails), only a REJECTED audit entry and an unused number.

Policy: P3.2.1 (AES-256 encrypted legal documents, write-once: the archive refuses to
overwrite), P3.2.2 (customer files tied to their customer), P3.2.3 (work records), P3.2.4
(names `YYYYMMDD-NNNN-subject`), P3.2.5 (two isolated copies), P6.1.3 (new contracts go to legal
review).
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass, replace
from typing import BinaryIO

from domain.actor import Actor
from domain.clock import clock
from domain.documents import archive_calls, config, content, numbering, retention
from domain.documents.kinds import UPLOADABLE, Kind, LegalReview, needs_legal_review, tier_of
from domain.errors import DomainError, ErrorCode
from domain.models import Document
from domain.notifications import notify, staff_with_roles
from domain.unit_of_work import audited, refusals_audited
from storage import ArchiveRecord, InvalidNameError, StorageError, make_name
from storage.streams import Reader

log = logging.getLogger(__name__)

MAX_SUBJECT = 200
_SUBJECT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
REVIEWER_ROLE = "legal"


@dataclass(frozen=True)
class NewDocument:
    kind: str
    subject: str
    content_type: str
    filename: str = ""
    description: str = ""
    related_subject_type: str | None = None
    related_subject_id: str | None = None


@dataclass(frozen=True)
class Stored:
    """A document the archive holds, not yet recorded as a row."""

    new: NewDocument
    kind: Kind
    number: int
    record: ArchiveRecord

    @property
    def name(self) -> str:
        return self.record.name


def check_new(new: NewDocument, *, uploadable_only: bool = True) -> Kind:
    try:
        kind = Kind(new.kind)
    except ValueError:
        raise DomainError(
            ErrorCode.INVALID, f"Unknown document kind '{new.kind}'.", "kind"
        ) from None
    if uploadable_only and kind not in UPLOADABLE:
        raise DomainError(ErrorCode.INVALID, f"Documents of kind {kind} are not uploaded.", "kind")
    subject = new.subject.strip()
    if not subject:
        raise DomainError(ErrorCode.REQUIRED, "Give the document a subject.", "subject")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(
            ErrorCode.INVALID, f"The subject is longer than {MAX_SUBJECT} characters.", "subject"
        )
    try:
        make_name(clock.today(), 1, subject)
    except InvalidNameError:
        raise DomainError(
            ErrorCode.INVALID,
            "The subject needs letters, digits or Chinese characters to name the file by.",
            "subject",
        ) from None
    has_type, has_id = bool(new.related_subject_type), bool(new.related_subject_id)
    if has_type != has_id or (
        has_type
        and (
            not _SUBJECT_TYPE.fullmatch(new.related_subject_type or "")
            or len(new.related_subject_id or "") > 60
        )
    ):
        raise DomainError(ErrorCode.INVALID, "The related record is not valid.", "relatedTo")
    if kind == Kind.CUSTOMER_FILE and not has_type:
        raise DomainError(
            ErrorCode.REQUIRED,
            "A customer file must name the customer record it belongs to.",
            "relatedTo",
        )
    return kind


async def store_content(new: NewDocument, kind: Kind, reader: Reader, limit: int | None) -> Stored:
    """Number the document and write it to the archive (no database transaction held)."""
    tier = tier_of(kind)
    day = clock.today()
    retain_until = await retention.retain_until_for(tier, clock.now())
    number = await numbering.next_number(day)
    name = make_name(day, number, new.subject.strip())
    archive = config.archive()
    try:
        record = await asyncio.to_thread(
            archive.put, uuid.uuid4().hex, tier, name, reader, retain_until
        )
    except content.TooLarge:
        raise content.too_large(limit or 0) from None
    except StorageError as exc:
        leftovers = getattr(exc, "leftovers", ())
        if leftovers:
            log.error("archive copies left behind by a failed upload: %s", ", ".join(leftovers))
        raise archive_calls.domain_error(exc, "file") from exc
    return Stored(new=new, kind=kind, number=number, record=record)


async def create_document(actor: Actor, stored: Stored) -> Document:
    """The row of an archived document (call inside the caller's transaction)."""
    new, record = stored.new, stored.record
    review = LegalReview.PENDING if needs_legal_review(stored.kind) else LegalReview.NOT_REQUIRED
    document = await Document.create(
        archive_id=record.document_id,
        name=record.name,
        subject=new.subject.strip(),
        number=stored.number,
        document_date=clock.today(),
        tier=record.tier,
        kind=stored.kind,
        description=new.description.strip(),
        original_filename=(new.filename or "")[:255],
        content_type=new.content_type,
        size=record.size,
        sha256=record.sha256,
        ciphertext_size=record.ciphertext_size,
        ciphertext_sha256=record.ciphertext_sha256,
        storage_key=record.key,
        kek_id=record.kek_id,
        stores=list(record.stores),
        retain_until=record.retain_until,
        legal_review_status=review,
        uploaded_by_account_id=actor.account_id,
        uploaded_by_ref=actor.identity.actor_ref,
        related_subject_type=new.related_subject_type,
        related_subject_id=new.related_subject_id,
    )
    if review == LegalReview.PENDING:
        for account_id in await staff_with_roles(REVIEWER_ROLE):
            await notify(
                account_id,
                "CONTRACT_REVIEW",
                f"Legal review needed: {document.name}",
                "A new contract or agreement counts only once legal has reviewed it (P6.1.3).",
                subject_type="Document",
                subject_id=document.id,
            )
    return document


async def record_stored(actor: Actor, action: str, stored: Stored) -> Document:
    async def work() -> Document:
        return await create_document(actor, stored)

    try:
        return await audited(
            actor,
            action,
            "Document",
            work,
            detail=f"{stored.name} tier {stored.record.tier} sha256 {stored.record.sha256}",
        )
    except Exception:
        # The copies are under retention and stay; the key is logged for the replica check.
        log.error("archived %s but could not record it", stored.record.key)
        raise


async def upload(
    actor: Actor, new: NewDocument, source: BinaryIO, declared_size: int | None = None
) -> Document:
    """Validate an uploaded file, archive it and record it; refusals are audited."""
    settings = config.settings()
    async with refusals_audited(actor, "uploadDocument", "Document"):
        kind = check_new(new)
        content_type = content.check_type(new.content_type, settings.allowed_content_types)
        content.check_declared_size(declared_size, settings.max_upload_bytes)
        head = await asyncio.to_thread(content.read_head, source)
        content.check_signature(content_type, head)
        reader = content.LimitedReader(head, source, settings.max_upload_bytes)
        checked = replace(new, content_type=content_type)
        stored = await store_content(checked, kind, reader, settings.max_upload_bytes)
    return await record_stored(actor, "uploadDocument", stored)
