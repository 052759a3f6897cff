"""Execution guards: parser and validation caches, depth/alias/token limits, introspection off in
production, and masking of unexpected exceptions (INTERNAL_ERROR + request id, no stack trace);
a refusal that escapes a resolver is shown with its code instead."""

from __future__ import annotations

import logging

from graphql import ExecutionResult, GraphQLError, StringValueNode, visit
from graphql.language import Visitor
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from domain.errors import as_refusal
from schema.errors import BAD_USER_INPUT, ApiError

log = logging.getLogger("hotel.graphql")


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Hide what went wrong inside, but give the client the request id to quote."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        refusal = as_refusal(error.original_error)
        if refusal is not None:
            # A refusal raised where no payload carries it (a query, a lookup by a value too
            # long for its column): shown with its code, not hidden as an internal error.
            coded = ApiError(refusal.code, refusal.message, field=refusal.field)
            coded.path, coded.locations = error.path, error.locations
            return coded
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        log.error(
            "unexpected error in %s",
            ".".join(str(p) for p in error.path or ()),
            exc_info=error.original_error,
            extra={"request_id": request_id},
        )
        return ApiError(
            "INTERNAL_ERROR", f"Internal error (request {request_id}).", requestId=request_id
        )


NUL = "\x00"


def _variables_hold_nul(variables: object) -> bool:
    """Look through variables without recursion (their depth is the client's choice)."""
    pending = [variables]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)
    return False


class _NulInLiteral(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args):
        if NUL in node.value:
            self.found = True
            return self.BREAK
        return None


class RefuseNulCharacters(SchemaExtension):
    """Text with a NUL character is refused before execution (BAD_USER_INPUT): PostgreSQL
    cannot store it in a text column and refuses the query, which would otherwise surface as an
    internal error on one backend and be stored on the other."""

    def on_execute(self):
        context = self.execution_context
        found = _variables_hold_nul(context.variables)
        if not found and context.graphql_document is not None:
            finder = _NulInLiteral()
            visit(context.graphql_document, finder)
            found = finder.found
        if found:
            context.result = ExecutionResult(
                data=None,
                errors=[ApiError(BAD_USER_INPUT, "Text may not contain the NUL character.")],
            )
        yield


def build_extensions(*, production: bool, max_depth: int, max_aliases: int, max_tokens: int):
    extensions = [
        MaskUnexpectedErrors(),
        ParserCache(maxsize=512),
        ValidationCache(maxsize=512),
        QueryDepthLimiter(max_depth=max_depth),
        MaxAliasesLimiter(max_alias_count=max_aliases),
        MaxTokensLimiter(max_token_count=max_tokens),
        RefuseNulCharacters(),
    ]
    if production:
        extensions.append(DisableIntrospection())
    return extensions
