"""What a document is and which tier that puts it in: legal documents in tier 1, customer files
in tier 2, work records (minutes, reports, other records) in tier 3; the lifecycle states and
the legal-review states of contracts.

Policy: P3.2.1 (tier 1: contracts, agreements and other legal documents), P3.2.2 (tier 2:
customer files), P3.2.3 (tier 3: work records), P6.1.3 (every contract passes legal review).
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    CONTRACT = "CONTRACT"
    AGREEMENT = "AGREEMENT"
    CUSTOMER_FILE = "CUSTOMER_FILE"
    WORK_RECORD = "WORK_RECORD"
    MINUTES = "MINUTES"
    REPORT = "REPORT"
    # The monthly index of sealed work records; written by the archiving job only.
    ARCHIVE_INDEX = "ARCHIVE_INDEX"
    # A signed seal of the audit trail (P0.3); written by the sealing job only, kept write-once.
    AUDIT_SEAL = "AUDIT_SEAL"


class Status(StrEnum):
    ACTIVE = "ACTIVE"
    DELETED = "DELETED"  # removed by a person after its retention
    PURGED = "PURGED"  # removed by the retention job


class LegalReview(StrEnum):
    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


TIER_OF: dict[Kind, int] = {
    Kind.CONTRACT: 1,
    Kind.AGREEMENT: 1,
    Kind.CUSTOMER_FILE: 2,
    Kind.WORK_RECORD: 3,
    Kind.MINUTES: 3,
    Kind.REPORT: 3,
    Kind.ARCHIVE_INDEX: 3,
    Kind.AUDIT_SEAL: 1,
}
TIERS = (1, 2, 3)
LEGAL_KINDS = frozenset({Kind.CONTRACT, Kind.AGREEMENT})
UPLOADABLE = frozenset(Kind) - {Kind.ARCHIVE_INDEX, Kind.AUDIT_SEAL}


def tier_of(kind: str) -> int:
    return TIER_OF[Kind(kind)]


def tier_resource(tier: int) -> str:
    """The permission-matrix resource guarding the documents of one tier."""
    return f"document_tier{tier}"


def needs_legal_review(kind: str) -> bool:
    return kind in LEGAL_KINDS


def is_effective(kind: str, status: str, legal_review_status: str) -> bool:
    """A contract or agreement counts only once legal review approved it (P6.1.3)."""
    if status != Status.ACTIVE:
        return False
    if needs_legal_review(kind):
        return legal_review_status == LegalReview.APPROVED
    return True
