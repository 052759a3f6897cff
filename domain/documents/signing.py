"""Signing archived documents and verifying their signatures, through the generic signature
service (`domain.signatures`) with record type `Document`.

Before signing, the document is decrypted end to end and its SHA-256 recomputed: a person signs
the bytes the archive holds, and a damaged copy is refused rather than signed. A contract or
agreement is signed only once legal review approved it. Verification recomputes the SHA-256 of
the stored content again and checks every signature against it.

Policy: P3.2.1 (Electronic Signature Law: signatures bound to the signer and to the exact
content, changes detectable), P4.2.5 (responsibility assigned to a person), P6.1.3 (contracts
pass legal review before they are executed).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import signatures
from domain.actor import Actor
from domain.documents import archive_calls, config
from domain.documents.kinds import LegalReview, Status, needs_legal_review
from domain.errors import DomainError, ErrorCode
from domain.models import Document, Signature
from domain.unit_of_work import audited, refusals_audited

RECORD_TYPE = "Document"


async def _active(document_id: int) -> Document:
    document = await Document.get_or_none(id=document_id, status=Status.ACTIVE)
    if document is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such document.", "documentId")
    return document


async def content_digest(document: Document) -> str:
    """SHA-256 of the document's content as the archive holds it now."""
    digest, _ = await archive_calls.run(archive_calls.digest_of, config.archive(), document)
    return digest


async def sign_document(
    actor: Actor, document_id: int, passphrase: str, meaning: str = "APPROVED"
) -> Signature:
    async with refusals_audited(actor, "signDocument", "Document", subject_id=document_id):
        document = await _active(document_id)
        if (
            needs_legal_review(document.kind)
            and document.legal_review_status != LegalReview.APPROVED
        ):
            raise DomainError(
                ErrorCode.LEGAL_REVIEW_REQUIRED,
                "A contract is signed only after legal review approved it (P6.1.3).",
                "documentId",
            )
        digest = await content_digest(document)
        if digest != document.sha256:
            raise DomainError(
                ErrorCode.TAMPERED,
                "The stored content differs from what was archived; it is not signed.",
                "documentId",
            )
        prepared = await signatures.prepare(
            actor,
            passphrase,
            record_type=RECORD_TYPE,
            record_id=document.id,
            content_sha256=digest,
            meaning=meaning,
        )

    async def work() -> Signature:
        return await signatures.record(prepared)

    return await audited(
        actor,
        "signDocument",
        "Document",
        work,
        subject_id=document.id,
        detail=f"{document.name} sha256 {digest} as {meaning}",
    )


@dataclass(frozen=True)
class DocumentVerification:
    document: Document
    content_sha256: str | None
    content_intact: bool
    problem: str | None
    checks: list[signatures.SignatureCheck]

    @property
    def valid(self) -> bool:
        return bool(self.checks) and self.content_intact and all(c.valid for c in self.checks)


async def verify_document(actor: Actor, document_id: int) -> DocumentVerification:
    """Recompute the content digest and check every signature of the document against it."""
    async with refusals_audited(
        actor, "verifyDocumentSignature", "Document", subject_id=document_id
    ):
        document = await _active(document_id)
        digest: str | None
        problem: str | None = None
        try:
            digest = await content_digest(document)
        except DomainError as failure:
            if failure.code != ErrorCode.TAMPERED:
                raise  # a store that is down or a wrong key says nothing about the document
            digest, problem = None, failure.message
        if digest is not None and digest != document.sha256:
            problem = "The content differs from what was archived."
        checks = await signatures.verify_record(RECORD_TYPE, document.id, digest)
    result = DocumentVerification(document, digest, problem is None, problem, checks)

    async def work() -> DocumentVerification:
        return result

    outcome = "valid" if result.valid else f"NOT valid: {problem or 'signature problem'}"
    return await audited(
        actor,
        "verifyDocumentSignature",
        "Document",
        work,
        subject_id=document.id,
        detail=f"{document.name}: {len(checks)} signature(s), {outcome}",
    )
