"""Data-subject request fields of the root types (P6.1.3)."""

from __future__ import annotations

import strawberry

from resolvers import privacy_rights as privacy_resolvers
from schema.permissions import requires
from schema.types.privacy_rights import DataSubjectRequest, DataSubjectRequestPayload
from schema.types.relay import Connection


@strawberry.type
class PrivacyRightsQuery:
    data_subject_requests: Connection[DataSubjectRequest] = strawberry.field(
        resolver=privacy_resolvers.list_data_subject_requests,
        extensions=[requires("data_subject_request", "read")],
        description="A guest's own requests; every request for privacy staff.",
    )


@strawberry.type
class PrivacyRightsMutation:
    data_subject_request: DataSubjectRequestPayload = strawberry.mutation(
        resolver=privacy_resolvers.file_data_subject_request,
        extensions=[requires("data_subject_request", "file")],
        description="Export, correct or delete a guest's own personal data (PIPL Arts. 44-50).",
    )
    complete_data_subject_request: DataSubjectRequestPayload = strawberry.mutation(
        resolver=privacy_resolvers.complete_data_subject_request,
        extensions=[requires("data_subject_request", "complete")],
        description="Apply or refuse a correction waiting for review.",
    )
