"""The GraphQL schema: types, root operations and execution extensions."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from domain.errors import as_refusal
from schema.approvals import ApprovalMutation, ApprovalQuery
from schema.bookings import BookingMutation, BookingQuery
from schema.documents import DocumentMutation, DocumentQuery
from schema.errors import ApiError
from schema.extensions import build_extensions
from schema.root import FoundationMutation, FoundationQuery, Subscription
from schema.scalars import SCALAR_OVERRIDES


class Schema(strawberry.Schema):
    """Logs only unexpected errors: refusals the client is meant to see are not incidents."""

    def process_errors(self, errors, execution_context=None) -> None:
        unexpected = [
            e
            for e in errors
            if e.original_error is not None
            and not isinstance(e.original_error, ApiError)
            and as_refusal(e.original_error) is None
        ]
        if unexpected:
            super().process_errors(unexpected, execution_context)


QUERY_PARTS: list[type] = [FoundationQuery]
MUTATION_PARTS: list[type] = [FoundationMutation]
QUERY_PARTS.append(DocumentQuery)
QUERY_PARTS.append(ApprovalQuery)
QUERY_PARTS.append(BookingQuery)
MUTATION_PARTS.append(DocumentMutation)
MUTATION_PARTS.append(ApprovalMutation)
MUTATION_PARTS.append(BookingMutation)


def build_schema(
    *,
    production: bool = False,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 4000,
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
        ),
        config=StrawberryConfig(disable_field_suggestions=production),
        scalar_overrides=SCALAR_OVERRIDES,
    )
