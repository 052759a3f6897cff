"""The document area's root fields: the archive and electronic signatures. Every field
declares its permission; tier-level access is checked by the resolvers.

Policy: P3.2.1-P3.2.5, P4.2.5, P6.1.2, P6.1.3.
"""

from __future__ import annotations

import strawberry

from resolvers import documents as document_resolvers
from resolvers.nodes import register as register_node
from schema.permissions import requires
from schema.types.documents import (
    Document,
    DocumentDownloadUrl,
    DocumentPayload,
    DocumentVerification,
    RestoreArchivePayload,
    SetSigningKeyPayload,
    SignDocumentPayload,
    VerifyReplicasPayload,
)
from schema.types.relay import Connection

register_node("Document", "document")(document_resolvers.fetch_node)


@strawberry.type
class DocumentQuery:
    documents: Connection[Document] = strawberry.field(
        resolver=document_resolvers.documents,
        extensions=[requires("document", "read")],
        description="Documents of the tiers the caller may read; filter by tier, kind, "
        "related record and date range.",
    )
    document: Document | None = strawberry.field(
        resolver=document_resolvers.document, extensions=[requires("document", "read")]
    )
    document_download_url: DocumentDownloadUrl = strawberry.field(
        resolver=document_resolvers.document_download_url,
        extensions=[requires("document", "download")],
        description="A short-lived link to the content, bound to the caller's account; the "
        "purpose is recorded with the read (P3.2.2).",
    )
    verify_document_signature: DocumentVerification = strawberry.field(
        resolver=document_resolvers.verify_document_signature,
        extensions=[requires("document", "verify")],
    )


@strawberry.type
class DocumentMutation:
    upload_document: DocumentPayload = strawberry.mutation(
        resolver=document_resolvers.upload_document, extensions=[requires("document", "upload")]
    )
    delete_document: DocumentPayload = strawberry.mutation(
        resolver=document_resolvers.delete_document, extensions=[requires("document", "delete")]
    )
    review_contract: DocumentPayload = strawberry.mutation(
        resolver=document_resolvers.review_contract, extensions=[requires("document", "review")]
    )
    set_signing_key: SetSigningKeyPayload = strawberry.mutation(
        resolver=document_resolvers.set_signing_key, extensions=[requires("signing_key", "set")]
    )
    sign_document: SignDocumentPayload = strawberry.mutation(
        resolver=document_resolvers.sign_document, extensions=[requires("document", "sign")]
    )
    verify_replicas: VerifyReplicasPayload = strawberry.mutation(
        resolver=document_resolvers.verify_replicas, extensions=[requires("archive", "verify")]
    )
    restore_archive: RestoreArchivePayload = strawberry.mutation(
        resolver=document_resolvers.restore_archive, extensions=[requires("archive", "restore")]
    )
