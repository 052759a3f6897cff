"""Legal review of contracts and agreements: a tier 1 contract counts as effective only once a
member of legal approved it; a rejected one never becomes effective (upload a corrected one).

Policy: P6.1.3 (every external contract passes legal review), P3.2.1 (legal documents).
"""

from __future__ import annotations

from enum import StrEnum

from domain.actor import Actor
from domain.clock import clock
from domain.documents.kinds import LegalReview, Status, needs_legal_review
from domain.errors import DomainError, ErrorCode
from domain.models import Document
from domain.notifications import notify


class Decision(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


async def review_contract(actor: Actor, document_id: int, decision: str, comment: str) -> Document:
    """Record legal's decision (call inside an audited unit of work)."""
    document = await Document.get_or_none(id=document_id, status=Status.ACTIVE)
    if document is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such document.", "documentId")
    if not needs_legal_review(document.kind):
        raise DomainError(
            ErrorCode.INVALID, "Only contracts and agreements go to legal review.", "documentId"
        )
    if decision == Decision.REJECT and not (comment or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the contract is rejected.", "comment")
    status = LegalReview.APPROVED if decision == Decision.APPROVE else LegalReview.REJECTED
    decided = await Document.filter(id=document.id, legal_review_status=LegalReview.PENDING).update(
        legal_review_status=status,
        legal_reviewed_by_account_id=actor.account_id,
        legal_reviewed_at=clock.now(),
        legal_review_comment=(comment or "").strip(),
    )
    if not decided:
        raise DomainError(
            ErrorCode.ALREADY_DECIDED, "Legal review of this contract is already decided."
        )
    if document.uploaded_by_account_id is not None:
        await notify(
            document.uploaded_by_account_id,
            "CONTRACT_REVIEWED",
            f"Legal review {status.lower()}: {document.name}",
            (comment or "").strip(),
            subject_type="Document",
            subject_id=document.id,
        )
    return await Document.get(id=document.id)
