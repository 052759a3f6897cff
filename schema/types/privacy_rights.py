"""Data-subject requests: a guest's requests to export, correct or delete their own personal
data, and what became of them (P6.1.3)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from domain import privacy_rights
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id

DataSubjectRequestKind = strawberry.enum(privacy_rights.RequestKind, name="DataSubjectRequestKind")
DataSubjectRequestStatus = strawberry.enum(
    privacy_rights.RequestStatus, name="DataSubjectRequestStatus"
)
CorrectableField = strawberry.enum(privacy_rights.CorrectableField, name="CorrectableField")


@strawberry.type
class DataCorrection:
    field: CorrectableField
    value: str


@strawberry.type(description="An archive document tied to an erased guest that was kept.")
class RetainedDocument:
    document_id: strawberry.ID
    name: str
    reason: str


@strawberry.type(description="A guest's request about their own personal data (PIPL Arts. 44-50).")
class DataSubjectRequest(relay.Node):
    id: relay.NodeID[int]
    kind: DataSubjectRequestKind
    status: DataSubjectRequestStatus
    channel: str = strawberry.field(description="SELF (the guest) or STAFF (for the guest).")
    due_at: dt.datetime
    overdue: bool
    created_at: dt.datetime
    completed_at: dt.datetime | None
    outcome_code: str | None = strawberry.field(
        description="EXPORTED, CORRECTED, ERASED, REFUSED, REVIEW_REJECTED or REVIEW_EXPIRED."
    )
    outcome: str | None = strawberry.field(description="A summary naming no personal data.")
    corrections: list[DataCorrection] = strawberry.field(
        description="The fields a correction asks to change and their new values (while open)."
    )
    document_id: strawberry.ID | None = strawberry.field(
        description="The archived export (a customer file), once built."
    )
    pending_operation_id: strawberry.ID | None = strawberry.field(
        description="The dual review a staff export waits for."
    )
    retained: list[RetainedDocument] = strawberry.field(
        description="After a deletion: the archive documents kept, and why."
    )
    subject_id: strawberry.Private[int]
    filed_by_id: strawberry.Private[int | None]

    @strawberry.field(description="The guest whose data it is.")
    async def subject(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.subject_id)

    @strawberry.field(description="Who filed it (the guest, or staff for them).")
    async def filed_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.filed_by_id)

    @classmethod
    def of(cls, row) -> DataSubjectRequest:
        return cls(
            id=row.id,
            kind=DataSubjectRequestKind(row.kind),
            status=DataSubjectRequestStatus(row.status),
            channel=row.channel,
            due_at=row.due_at,
            overdue=privacy_rights.is_overdue(row),
            created_at=row.created_at,
            completed_at=row.completed_at,
            outcome_code=row.outcome_code or None,
            outcome=row.outcome or None,
            corrections=[
                DataCorrection(field=CorrectableField(c["field"]), value=c["value"] or "")
                for c in row.corrections or []
            ],
            document_id=None
            if row.document_id is None
            else strawberry.ID(relay.to_base64("Document", row.document_id)),
            pending_operation_id=None
            if row.pending_operation_id is None
            else strawberry.ID(relay.to_base64("PendingOperation", row.pending_operation_id)),
            retained=[
                RetainedDocument(
                    document_id=strawberry.ID(relay.to_base64("Document", r["documentId"])),
                    name=r["name"],
                    reason=r["reason"],
                )
                for r in row.retained or []
            ],
            subject_id=row.subject_account_id,
            filed_by_id=row.filed_by_account_id,
        )


@strawberry.input
class DataCorrectionInput:
    field: CorrectableField
    value: str


@strawberry.input
class DataSubjectRequestInput:
    kind: DataSubjectRequestKind
    guest_email: str | None = strawberry.field(
        default=None,
        description="Staff: the log-in e-mail of the guest whose identity you verified. A "
        "guest files about their own data only (leave it empty).",
    )
    verification: str | None = strawberry.field(
        default=None, description="Staff: how the guest's identity was verified."
    )
    corrections: list[DataCorrectionInput] | None = strawberry.field(
        default=None, description="For a CORRECTION: the fields and their new values."
    )


@strawberry.type
class DataSubjectRequestPayload:
    request: DataSubjectRequest | None = None
    download_url: str | None = strawberry.field(
        default=None,
        description="The guest's own export: a short-lived link for their account only.",
    )
    download_expires_at: dt.datetime | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None, description="A staff export waits for a second person (P6.2.3)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CompleteDataSubjectRequestInput:
    request_id: relay.GlobalID
    approve: bool = strawberry.field(description="Apply the correction, or refuse it.")
    note: str | None = strawberry.field(default=None, description="Required to refuse.")


@strawberry.input
class DataSubjectRequestFilter:
    kind: DataSubjectRequestKind | None = None
    status: DataSubjectRequestStatus | None = None
    overdue: bool | None = None
