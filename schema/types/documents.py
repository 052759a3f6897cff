"""Types of the document archive, electronic signatures and reports (P3.2, P4.2.5, P6.1.3)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.file_uploads import Upload

from domain import signatures as signature_service
from domain.documents import kinds, review
from domain.models import Document as DocumentRow
from domain.reports import periods
from domain.reports import service as report_service
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.mapping import from_row

# The domain's enums, exposed under their GraphQL names (one declaration of each).
DocumentKind = strawberry.enum(
    kinds.Kind, name="DocumentKind", description="What a document is; the kind decides its tier."
)
DocumentStatus = strawberry.enum(kinds.Status, name="DocumentStatus")
LegalReviewStatus = strawberry.enum(
    kinds.LegalReview,
    name="LegalReviewStatus",
    description="Legal review of contracts and agreements (P6.1.3).",
)
ReviewDecision = strawberry.enum(review.Decision, name="ReviewDecision")
ReportPeriod = strawberry.enum(periods.Period, name="ReportPeriod")
ReportStatus = strawberry.enum(
    report_service.ReportStatus,
    name="ReportStatus",
    description="DUE: awaiting submission in time; OVERDUE: past its deadline.",
)


def _global(type_name: str | None, pk: object) -> strawberry.ID | None:
    if not type_name or pk is None:
        return None
    return strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


def _staff(account_id: int | None) -> strawberry.ID | None:
    """Accounts are referred to by their global `StaffAccount` ID."""
    return _global("StaffAccount", account_id)


@strawberry.type(description="An electronic signature over a document's SHA-256 and metadata.")
class DocumentSignature(relay.Node):
    id: relay.NodeID[int]
    signer_id: strawberry.ID
    signer_name: str
    meaning: str
    signed_at: dt.datetime
    content_sha256: str
    key_fingerprint: str

    @classmethod
    def of(cls, row) -> DocumentSignature:
        return from_row(
            cls,
            row,
            signer_id=_staff(row.signer_id),
            signer_name=row.signer.display_name,
            key_fingerprint=row.signing_key.fingerprint,
        )


def _signature_loader(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[int]) -> list[list[DocumentSignature]]:
        grouped = await signature_service.signatures_of("Document", keys)
        return [[DocumentSignature.of(row) for row in grouped[str(k)]] for k in keys]

    return info.context.loader("document_signatures", lambda: DataLoader(load_fn=load))


@strawberry.type(description="An archived document. Its content is read through a download link.")
class Document(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="YYYYMMDD-NNNN-subject (P3.2.4).")
    subject: str
    number: int
    document_date: dt.date
    tier: int
    kind: DocumentKind
    description: str
    original_filename: str
    content_type: str
    size: int
    sha256: str
    kek_id: str
    retain_until: dt.datetime | None
    status: DocumentStatus
    legal_review_status: LegalReviewStatus
    legal_reviewed_at: dt.datetime | None
    legal_review_comment: str
    is_effective: bool = strawberry.field(
        description="False for a contract or agreement until legal review approved it."
    )
    uploaded_by_id: strawberry.ID | None
    related_to: strawberry.ID | None
    archived_at: dt.datetime | None
    created_at: dt.datetime

    @strawberry.field
    async def signatures(self, info: strawberry.Info) -> list[DocumentSignature]:
        return await _signature_loader(info).load(self.id)

    @classmethod
    def of(cls, row: DocumentRow) -> Document:
        return from_row(
            cls,
            row,
            kind=DocumentKind(row.kind),
            status=DocumentStatus(row.status),
            legal_review_status=LegalReviewStatus(row.legal_review_status),
            is_effective=kinds.is_effective(row.kind, row.status, row.legal_review_status),
            uploaded_by_id=_staff(row.uploaded_by_account_id),
            related_to=_global(row.related_subject_type, row.related_subject_id),
        )


def document_loader(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[int]) -> list[Document | None]:
        rows = {row.id: row for row in await DocumentRow.filter(id__in=keys)}
        return [Document.of(rows[k]) if k in rows else None for k in keys]

    return info.context.loader("documents_by_id", lambda: DataLoader(load_fn=load))


@strawberry.input
class DocumentFilter:
    tier: int | None = None
    kind: DocumentKind | None = None
    related_to: strawberry.ID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: DocumentStatus | None = DocumentStatus.ACTIVE
    legal_review_status: LegalReviewStatus | None = None


@strawberry.input
class UploadDocumentInput:
    file: Upload
    kind: DocumentKind
    subject: str
    description: str = ""
    related_to: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of the record the document belongs to."
    )


@strawberry.type
class DocumentPayload:
    document: Document | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the change waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteDocumentInput:
    document_id: strawberry.ID
    reason: str


@strawberry.input
class ReviewContractInput:
    document_id: strawberry.ID
    decision: ReviewDecision
    comment: str = ""


@strawberry.input
class SetSigningKeyInput:
    passphrase: str
    current_passphrase: str | None = None


@strawberry.type
class SigningKeyInfo:
    fingerprint: str
    public_key: str
    created_at: dt.datetime


@strawberry.type
class SetSigningKeyPayload:
    signing_key: SigningKeyInfo | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SignDocumentInput:
    document_id: strawberry.ID
    passphrase: str
    meaning: str = "APPROVED"


@strawberry.type
class SignDocumentPayload:
    signature: DocumentSignature | None = None
    document: Document | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DocumentDownloadUrl:
    url: str | None = None
    expires_at: dt.datetime | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SignatureVerification:
    signature: DocumentSignature
    valid: bool
    signature_valid: bool
    content_matches: bool
    reason: str | None


@strawberry.type(description="valid: signed, content as archived, and every signature holds.")
class DocumentVerification:
    document: Document | None = None
    valid: bool = False
    content_intact: bool = False
    content_sha256: str | None = None
    problem: str | None = None
    signatures: list[SignatureVerification] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class VerifyReplicasInput:
    deep: bool = True
    repair: bool = False


@strawberry.type
class ReplicaProblem:
    key: str
    name: str | None
    state: str
    repairable: bool


@strawberry.type
class ReplicaFailure:
    key: str
    name: str | None
    code: str
    message: str


@strawberry.type
class ReplicaCheckResult:
    checked: int
    healthy: bool
    problems: list[ReplicaProblem]
    repaired: list[str]
    unresolved: list[ReplicaFailure]
    finished_at: dt.datetime | None


@strawberry.type
class VerifyReplicasPayload:
    check: ReplicaCheckResult | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RestoreArchiveInput:
    overwrite: bool = False


@strawberry.type
class RestoreArchivePayload:
    restored: list[str] = strawberry.field(default_factory=list)
    unchanged: list[str] = strawberry.field(default_factory=list)
    conflicts: list[str] = strawberry.field(default_factory=list)
    failed: list[str] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="A periodic report (P3.2.7), archived as a tier 3 work record.")
class Report(relay.Node):
    id: relay.NodeID[int]
    period: ReportPeriod
    period_start: dt.date
    period_end: dt.date = strawberry.field(description="Exclusive.")
    title: str
    status: ReportStatus
    overdue: bool
    due_at: dt.datetime
    submitted_at: dt.datetime | None
    submitted_late: bool
    submitted_by_id: strawberry.ID | None
    submission_note: str
    sections: list[str]
    created_at: dt.datetime
    document_pk: strawberry.Private[int]

    @strawberry.field
    async def document(self, info: strawberry.Info) -> Document | None:
        return await document_loader(info).load(self.document_pk)

    @classmethod
    def of(cls, row) -> Report:
        status = report_service.status_of(row)
        return from_row(
            cls,
            row,
            period=ReportPeriod(row.period),
            status=ReportStatus(status),
            overdue=status == report_service.ReportStatus.OVERDUE,
            submitted_late=report_service.submitted_late(row),
            submitted_by_id=_staff(row.submitted_by_account_id),
            sections=list(row.sections or []),
            document_pk=row.document_id,
        )


@strawberry.input
class ReportFilter:
    period: ReportPeriod | None = None
    status: ReportStatus | None = None


@strawberry.input
class GenerateReportInput:
    period: ReportPeriod
    date: dt.date = strawberry.field(description="Any hotel-local date inside the period.")


@strawberry.input
class SubmitReportInput:
    report_id: strawberry.ID
    note: str = ""


@strawberry.type
class ReportPayload:
    report: Report | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
