"""Documents: upload, list, download links, legal review, signatures, deletion and the archive's
replicas. Each field's own permission is declared on the field; access to the documents of a
tier is a second check here against `document_tier<N>` (read, upload, download, delete), so the
matrix says which roles reach contracts, customer files and work records.

Policy: P3.2.1-P3.2.5 (tiers, encryption, naming, copies), P3.2.2 (customer files only for
authorised roles after authentication, every read with who, what and why), P4.2.5 and P3.2.1
(electronic signatures), P6.1.2 (access-permission matrix), P6.1.3 (legal review).
"""

from __future__ import annotations

import strawberry
from strawberry import relay

from authz.enforcer import Access, enforcer
from domain import signing_keys
from domain.documents import access as document_access
from domain.documents import links, queries, replicas, retention, review, signing, uploads
from domain.documents.kinds import TIERS, tier_of, tier_resource
from domain.errors import DomainError, ErrorCode
from domain.models import Document as DocumentRow
from resolvers.dual_review import pending_of
from resolvers.support import run_audited, run_self_audited
from schema.types.documents import (
    DeleteDocumentInput,
    Document,
    DocumentDownloadUrl,
    DocumentFilter,
    DocumentPayload,
    DocumentSignature,
    DocumentVerification,
    ReplicaCheckResult,
    ReplicaFailure,
    ReplicaProblem,
    RestoreArchiveInput,
    RestoreArchivePayload,
    ReviewContractInput,
    SetSigningKeyInput,
    SetSigningKeyPayload,
    SignatureVerification,
    SignDocumentInput,
    SignDocumentPayload,
    SigningKeyInfo,
    UploadDocumentInput,
    VerifyReplicasInput,
    VerifyReplicasPayload,
)
from schema.types.errors import UserError, forbidden, user_errors
from schema.types.relay import Connection, paginate, parse_global_id


def _related(value: strawberry.ID | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    try:
        gid = relay.GlobalID.from_id(value)
    except Exception:
        raise DomainError(ErrorCode.INVALID, "Not a valid record id.", "relatedTo") from None
    return gid.type_name, gid.node_id


async def tier_access(info: strawberry.Info, tier: int, action: str) -> Access | None:
    """The matrix's answer for the caller on one tier's documents (ALL, OWN or none)."""
    return await enforcer.decide(info.context.identity, tier_resource(tier), action)


def _read_scope(info: strawberry.Info):
    async def scope_of(tier: int) -> str | None:
        return await tier_access(info, tier, "read")

    return scope_of


async def require_tier(
    info: strawberry.Info, tier: int, action: str, row: DocumentRow | None = None
) -> None:
    """A tier refusal is an authorisation failure: a top-level FORBIDDEN, not a payload error."""
    try:
        await document_access.require(
            info.context.actor,
            info.field_name,
            tier,
            action,
            await tier_access(info, tier, action),
            row,
        )
    except DomainError as refusal:
        raise forbidden(refusal.message) from None


async def _document(info: strawberry.Info, document_id: strawberry.ID) -> DocumentRow:
    pk = parse_global_id(document_id, "Document", "documentId")
    return await document_access.visible_document(
        info.context.actor, info.field_name, pk, _read_scope(info)
    )


# -- queries ------------------------------------------------------------------------------


async def documents(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: DocumentFilter | None = None,
) -> Connection[Document]:
    all_tiers, own_tiers = [], []
    for tier in TIERS:
        access = await tier_access(info, tier, "read")
        if access == Access.ALL:
            all_tiers.append(tier)
        elif access == Access.OWN:
            own_tiers.append(tier)
    criteria = None
    if filter is not None:
        try:
            related_type, related_id = _related(filter.related_to)
        except DomainError:
            related_type, related_id = "-", "-"
        criteria = queries.DocumentFilter(
            tier=filter.tier,
            kind=filter.kind.value if filter.kind else None,
            related_subject_type=related_type,
            related_subject_id=related_id,
            date_from=filter.date_from,
            date_to=filter.date_to,
            status=filter.status.value if filter.status else None,
            legal_review_status=(
                filter.legal_review_status.value if filter.legal_review_status else None
            ),
        )
    query = queries.documents(all_tiers, own_tiers, info.context.identity.id, criteria)
    return await paginate(query, first, after, Document.of)


async def document(info: strawberry.Info, id: strawberry.ID) -> Document | None:
    try:
        return Document.of(await _document(info, id))
    except DomainError:
        return None


async def fetch_node(info: strawberry.Info, pk: int, access: Access) -> Document | None:
    row = await DocumentRow.get_or_none(id=pk)
    readable = await document_access.readable(info.context.actor, row, _read_scope(info))
    return Document.of(row) if readable else None


async def document_download_url(
    info: strawberry.Info, document_id: strawberry.ID, purpose: str
) -> DocumentDownloadUrl:
    try:
        row = await _document(info, document_id)
    except DomainError as refusal:
        return DocumentDownloadUrl(errors=user_errors(refusal))
    await require_tier(info, row.tier, "download", row)
    issued, errors = await run_self_audited(
        lambda: links.issue_link(info.context.actor, row, purpose)
    )
    if errors:
        return DocumentDownloadUrl(errors=errors)
    base = str(info.context.request.base_url).rstrip("/")
    return DocumentDownloadUrl(url=f"{base}/files/{issued.token}", expires_at=issued.expires_at)


async def verify_document_signature(
    info: strawberry.Info, document_id: strawberry.ID
) -> DocumentVerification:
    try:
        row = await _document(info, document_id)
    except DomainError as refusal:
        return DocumentVerification(errors=user_errors(refusal))
    result, errors = await run_self_audited(
        lambda: signing.verify_document(info.context.actor, row.id)
    )
    if errors:
        return DocumentVerification(errors=errors)
    return DocumentVerification(
        document=Document.of(result.document),
        valid=result.valid,
        content_intact=result.content_intact,
        content_sha256=result.content_sha256,
        problem=result.problem,
        signatures=[
            SignatureVerification(
                signature=DocumentSignature.of(check.signature),
                valid=check.valid,
                signature_valid=check.signature_valid,
                content_matches=check.content_matches,
                reason=check.reason,
            )
            for check in result.checks
        ],
    )


# -- mutations ----------------------------------------------------------------------------


async def upload_document(info: strawberry.Info, input: UploadDocumentInput) -> DocumentPayload:
    tier = tier_of(input.kind.value)
    await require_tier(info, tier, "upload")
    upload = input.file
    if not callable(getattr(getattr(upload, "file", None), "read", None)):
        return DocumentPayload(
            errors=[
                UserError(
                    field="file",
                    message="Send the file as a GraphQL multipart upload.",
                    code=ErrorCode.REQUIRED,
                )
            ]
        )
    try:
        related_type, related_id = _related(input.related_to)
    except DomainError as refusal:
        return DocumentPayload(errors=user_errors(refusal))
    new = uploads.NewDocument(
        kind=input.kind.value,
        subject=input.subject,
        content_type=getattr(upload, "content_type", None) or "",
        filename=getattr(upload, "filename", None) or "",
        description=input.description,
        related_subject_type=related_type,
        related_subject_id=related_id,
    )
    row, errors = await run_self_audited(
        lambda: uploads.upload(info.context.actor, new, upload.file, getattr(upload, "size", None))
    )
    return DocumentPayload(document=Document.of(row) if row else None, errors=errors)


async def delete_document(info: strawberry.Info, input: DeleteDocumentInput) -> DocumentPayload:
    try:
        row = await _document(info, input.document_id)
    except DomainError as refusal:
        return DocumentPayload(errors=user_errors(refusal))
    await require_tier(info, row.tier, "delete", row)
    pending, errors = await run_self_audited(
        lambda: retention.delete_document(info.context.actor, row.id, input.reason)
    )
    # P6.2.3: removed once a second person with the right to delete it confirms.
    return DocumentPayload(
        document=Document.of(row) if pending else None,
        pending_operation=pending_of(info, pending),
        errors=errors,
    )


async def review_contract(info: strawberry.Info, input: ReviewContractInput) -> DocumentPayload:
    async def work() -> DocumentRow:
        row = await _document(info, input.document_id)
        return await review.review_contract(
            info.context.actor, row.id, input.decision.value, input.comment
        )

    row, errors = await run_audited(info, "reviewContract", "Document", work)
    return DocumentPayload(document=Document.of(row) if row else None, errors=errors)


async def set_signing_key(info: strawberry.Info, input: SetSigningKeyInput) -> SetSigningKeyPayload:
    key, errors = await run_self_audited(
        lambda: signing_keys.set_signing_key(
            info.context.actor, input.passphrase, input.current_passphrase
        )
    )
    if errors:
        return SetSigningKeyPayload(errors=errors)
    return SetSigningKeyPayload(
        signing_key=SigningKeyInfo(
            fingerprint=key.fingerprint, public_key=key.public_key, created_at=key.created_at
        )
    )


async def sign_document(info: strawberry.Info, input: SignDocumentInput) -> SignDocumentPayload:
    try:
        row = await _document(info, input.document_id)
    except DomainError as refusal:
        return SignDocumentPayload(errors=user_errors(refusal))
    signature, errors = await run_self_audited(
        lambda: signing.sign_document(info.context.actor, row.id, input.passphrase, input.meaning)
    )
    if errors:
        return SignDocumentPayload(errors=errors)
    await signature.fetch_related("signer", "signing_key")
    return SignDocumentPayload(signature=DocumentSignature.of(signature), document=Document.of(row))


async def verify_replicas(
    info: strawberry.Info, input: VerifyReplicasInput | None = None
) -> VerifyReplicasPayload:
    options = input or VerifyReplicasInput()
    check, errors = await run_self_audited(
        lambda: replicas.verify_replicas(
            info.context.actor, deep=options.deep, repair=options.repair
        )
    )
    if errors:
        return VerifyReplicasPayload(errors=errors)
    return VerifyReplicasPayload(
        check=ReplicaCheckResult(
            checked=check.checked,
            healthy=not check.problems,
            problems=[ReplicaProblem(**p) for p in check.problems],
            repaired=list(check.repaired),
            unresolved=[ReplicaFailure(**f) for f in check.failed],
            finished_at=check.finished_at,
        )
    )


async def restore_archive(
    info: strawberry.Info, input: RestoreArchiveInput | None = None
) -> RestoreArchivePayload:
    options = input or RestoreArchiveInput()
    result, errors = await run_self_audited(
        lambda: replicas.restore_primary(info.context.actor, overwrite=options.overwrite)
    )
    if errors:
        return RestoreArchivePayload(errors=errors)
    return RestoreArchivePayload(
        restored=result.restored,
        unchanged=result.unchanged,
        conflicts=result.conflicts,
        failed=result.failed,
    )
