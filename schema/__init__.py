"""The GraphQL schema: types, root operations and execution extensions."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from domain.errors import as_refusal
from schema.accounts import AccountMutation, AccountQuery
from schema.analysis import AnalysisQuery
from schema.approvals import ApprovalMutation, ApprovalQuery
from schema.bookings import BookingMutation, BookingQuery
from schema.care import CareMutation, CareQuery
from schema.complaints import ComplaintMutation, ComplaintQuery
from schema.compliance import ComplianceMutation, ComplianceQuery
from schema.crisis import CrisisMutation, CrisisQuery
from schema.disputes import DisputeMutation, DisputeQuery
from schema.document_shape import DocumentLimits
from schema.documents import DocumentMutation, DocumentQuery
from schema.dual_review import DualReviewMutation, DualReviewQuery
from schema.extensions import build_extensions, is_unexpected
from schema.finance import FinanceMutation, FinanceQuery
from schema.followups import FollowUpMutation, FollowUpQuery
from schema.improvement import ImprovementMutation, ImprovementQuery
from schema.incentives import IncentiveMutation, IncentiveQuery
from schema.inquiries import InquiryMutation, InquiryQuery
from schema.knowledge import KnowledgeMutation, KnowledgeQuery
from schema.meetings import MeetingMutation, MeetingQuery
from schema.members import MemberMutation, MemberQuery
from schema.organisation import OrganisationMutation, OrganisationQuery
from schema.outbox import OutboxMutation, OutboxQuery
from schema.performance import PerformanceMutation, PerformanceQuery
from schema.privacy_rights import PrivacyRightsMutation, PrivacyRightsQuery
from schema.reports import ReportMutation, ReportQuery
from schema.risk import RiskMutation, RiskQuery
from schema.root import FoundationMutation, FoundationQuery, Subscription
from schema.scalars import SCALAR_OVERRIDES


class Schema(strawberry.Schema):
    """Logs only unexpected errors: refusals the client is meant to see are not incidents."""

    def process_errors(self, errors, execution_context=None) -> None:
        # Errors the client caused (syntax, validation, a malformed id) carry a GraphQLError
        # as their cause or none at all, and refusals carry their code: only other exceptions
        # are incidents worth a traceback.
        unexpected = [
            e for e in errors if is_unexpected(e) and as_refusal(e.original_error) is None
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


# One Query/Mutation pair per area, in the order their fields appear in the SDL.
QUERY_PARTS: list[type] = [
    FoundationQuery,
    DocumentQuery,
    ReportQuery,
    ApprovalQuery,
    OutboxQuery,
    BookingQuery,
    MeetingQuery,
    DisputeQuery,
    AccountQuery,
    ComplaintQuery,
    FollowUpQuery,
    CareQuery,
    AnalysisQuery,
    InquiryQuery,
    DualReviewQuery,
    FinanceQuery,
    MemberQuery,
    CrisisQuery,
    ImprovementQuery,
    OrganisationQuery,
    ComplianceQuery,
    RiskQuery,
    PerformanceQuery,
    KnowledgeQuery,
    PrivacyRightsQuery,
    IncentiveQuery,
]
MUTATION_PARTS: list[type] = [
    FoundationMutation,
    DocumentMutation,
    ReportMutation,
    ApprovalMutation,
    OutboxMutation,
    BookingMutation,
    MeetingMutation,
    DisputeMutation,
    AccountMutation,
    ComplaintMutation,
    FollowUpMutation,
    CareMutation,
    InquiryMutation,
    DualReviewMutation,
    FinanceMutation,
    MemberMutation,
    CrisisMutation,
    ImprovementMutation,
    OrganisationMutation,
    ComplianceMutation,
    RiskMutation,
    PerformanceMutation,
    KnowledgeMutation,
    PrivacyRightsMutation,
    IncentiveMutation,
]


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int | None = None,
    document_limits: DocumentLimits | None = None,
) -> strawberry.Schema:
    query = merge_types("Query", tuple(QUERY_PARTS))
    mutation = merge_types("Mutation", tuple(MUTATION_PARTS))
    return Schema(
        query=query,
        mutation=mutation,
        subscription=Subscription,
        extensions=build_extensions(
            production=production,
            max_depth=max_depth,
            max_aliases=max_aliases,
            max_tokens=max_tokens,
            limits=document_limits,
        ),
        config=StrawberryConfig(disable_field_suggestions=production),
        scalar_overrides=SCALAR_OVERRIDES,
    )
