"""Execution guards: parser and validation caches, depth/alias/token limits, introspection off in
production, and masking of unexpected exceptions (INTERNAL_ERROR + request id, no stack trace).
An exception that means the database or Redis is down is not a bug: it becomes
SERVICE_UNAVAILABLE with `retryAfter`, and an HTTP response gets status 503 and Retry-After."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from domain.outages import RETRY_AFTER_SECONDS, unavailable_dependency
from schema.errors import ApiError

log = logging.getLogger("hotel.graphql")


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Hide what went wrong inside, but give the client the request id to quote."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        dependency = unavailable_dependency(error.original_error)
        if dependency is not None:
            return self._unavailable(error, dependency, request_id)
        log.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=error.original_error,
            extra={"request_id": request_id},
        )
        return ApiError(
            "INTERNAL_ERROR", f"Internal error (request {request_id}).", requestId=request_id
        )

    def _unavailable(self, error: GraphQLError, dependency: str, request_id) -> GraphQLError:
        log.warning(
            "%s unavailable in %s: %s", dependency, ".".join(str(p) for p in error.path or ()),
            error.original_error, extra={"request_id": request_id},
        )
        response = getattr(self.execution_context.context, "response", None)
        if response is not None:  # HTTP (a socket has no status to set)
            response.status_code = 503
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return ApiError(
            "SERVICE_UNAVAILABLE",
            f"The {dependency} is unavailable; retry in {RETRY_AFTER_SECONDS} seconds.",
            retryAfter=RETRY_AFTER_SECONDS,
            requestId=request_id,
        )


def build_extensions(*, production: bool, max_depth: int, max_aliases: int, max_tokens: int):
    extensions = [
        MaskUnexpectedErrors(),
        ParserCache(maxsize=512),
        ValidationCache(maxsize=512),
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=max_aliases),
        MaxTokensLimiter(max_token_count=max_tokens),
    ]
    if production:
        extensions.append(DisableIntrospection())
    return extensions
