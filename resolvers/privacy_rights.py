"""Data-subject requests (P6.1.3): guests file about their own data; privacy staff file for a
verified guest, read every request and complete the manual steps (correction review)."""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import privacy_rights
from domain.errors import DomainError
from domain.models import DataSubjectRequest as DataSubjectRequestRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited, run_self_audited
from schema.types.dual_review import PendingOperation
from schema.types.errors import user_errors
from schema.types.privacy_rights import (
    CompleteDataSubjectRequestInput,
    DataSubjectRequest,
    DataSubjectRequestFilter,
    DataSubjectRequestInput,
    DataSubjectRequestPayload,
)
from schema.types.relay import Connection, paged, parse_global_id


async def file_data_subject_request(
    info: strawberry.Info, input: DataSubjectRequestInput
) -> DataSubjectRequestPayload:
    corrections = [
        privacy_rights.Correction(c.field.value, c.value) for c in input.corrections or []
    ]
    filed, errors = await run_self_audited(
        lambda: privacy_rights.file_request(
            info.context.actor,
            input.kind.value,
            guest_email=input.guest_email,
            verification=input.verification or "",
            corrections=corrections,
        )
    )
    if filed is None:
        return DataSubjectRequestPayload(errors=errors)
    url = expires = None
    if filed.link is not None:
        base = str(info.context.request.base_url).rstrip("/")
        url, expires = f"{base}/files/{filed.link.token}", filed.link.expires_at
    pending = filed.pending_operation
    return DataSubjectRequestPayload(
        request=DataSubjectRequest.of(filed.request),
        download_url=url,
        download_expires_at=expires,
        pending_operation=pending
        and PendingOperation.of(pending, info.context.actor.account_id),
    )


async def list_data_subject_requests(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: DataSubjectRequestFilter | None = None,
) -> Connection[DataSubjectRequest]:
    f = filter or DataSubjectRequestFilter()
    own = access_of(info, "data_subject_request", "read") == Access.OWN
    chosen = privacy_rights.RequestFilter(
        subject_account_id=info.context.identity.id if own else None,
        kind=f.kind.value if f.kind else None,
        status=f.status.value if f.status else None,
        overdue=f.overdue,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: privacy_rights.list_requests(chosen, first=size, after_id=after_id),
        DataSubjectRequest.of,
    )


async def complete_data_subject_request(
    info: strawberry.Info, input: CompleteDataSubjectRequestInput
) -> DataSubjectRequestPayload:
    try:
        request_id = parse_global_id(input.request_id, "DataSubjectRequest", "requestId")
    except DomainError as refusal:
        return DataSubjectRequestPayload(errors=user_errors(refusal))
    row, errors = await run_audited(
        info,
        "completeDataSubjectRequest",
        "DataSubjectRequest",
        lambda: privacy_rights.complete(
            info.context.actor, request_id, input.approve, input.note or ""
        ),
        subject_id=request_id,
    )
    return DataSubjectRequestPayload(request=row and DataSubjectRequest.of(row), errors=errors)


@register("DataSubjectRequest", "data_subject_request")
async def _request_node(info: strawberry.Info, pk: int, access) -> DataSubjectRequest | None:
    row = await DataSubjectRequestRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and row.subject_account_id != info.context.identity.id:
        return None
    return DataSubjectRequest.of(row)
