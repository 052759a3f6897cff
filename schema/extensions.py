"""Execution guards: the document guard (shape limits before parsing, parse and validation
caches keyed by the document, large documents parsed and validated off the event loop),
depth/alias limits, NUL characters refused, introspection off in production, and the shape of
errors: every error carries `extensions.code`, unexpected exceptions are masked (INTERNAL_ERROR +
request id, no stack trace), a refusal that escapes a resolver is shown with its code. An
exception that means the database or Redis is down is not a bug: it becomes SERVICE_UNAVAILABLE
with `retryAfter`, and an HTTP response gets status 503 and Retry-After.

Every extension is given to strawberry as a factory, so each request gets its own instance and
its own `execution_context` (a shared instance would see another request's context)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLSyntaxError,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    parse,
    visit,
)
from graphql.language import Visitor
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.schema import validate_document

from domain.errors import as_refusal
from domain.outages import RETRY_AFTER_SECONDS, unavailable_dependency
from schema.document_shape import DocumentLimits, TooComplex, measure
from schema.telemetry import OperationTelemetry
from schema.types.errors import BAD_USER_INPUT, ApiError

log = logging.getLogger("hotel.graphql")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
# Codes of requests refused before anything ran: the HTTP view answers them with 400.
REFUSED_BEFORE_EXECUTION = frozenset(
    {PARSE_FAILED, VALIDATION_FAILED, TOO_COMPLEX, OPERATION_RESOLUTION_FAILURE}
)


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _with_code(error: GraphQLError, code: str) -> GraphQLError:
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class MaskUnexpectedErrors(MaskErrors):
    """Hide what went wrong inside, but give the client the request id to quote. Errors the
    client caused keep their message and get a code when the library gave them none."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [
            self.anonymise_error(error) if is_unexpected(error) else _code_client_error(error)
            for error in errors
        ]

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
            "%s unavailable in %s: %s",
            dependency,
            ".".join(str(p) for p in error.path or ()),
            error.original_error,
            extra={"request_id": request_id},
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


def _code_client_error(error: GraphQLError) -> GraphQLError:
    # A malformed argument (a global id that is not one) is the client's mistake; so is a
    # variable value graphql-core could not coerce (no path: the operation never started).
    if isinstance(error.original_error, StrawberryInputCoercionError):
        return _with_code(error, "BAD_REQUEST")
    if not error.path:
        return _with_code(error, "BAD_USER_INPUT")
    return error


class _LRU:
    def __init__(self, maxsize: int) -> None:
        self.maxsize, self.items = maxsize, OrderedDict()

    def get(self, key):
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        if len(self.items) > self.maxsize:
            self.items.popitem(last=False)


@dataclass
class DocumentCache:
    """Shared by every request to one schema. Documents are cached by their text; a valid
    document is remembered by its shape key, so renaming the operation does not re-validate;
    an invalid one by its text, so its errors keep naming its own operations."""

    limits: DocumentLimits
    maxsize: int = 512
    parsed: _LRU = field(init=False)
    valid: _LRU = field(init=False)
    invalid: _LRU = field(init=False)

    def __post_init__(self) -> None:
        self.parsed, self.valid, self.invalid = (_LRU(self.maxsize) for _ in range(3))


# Parsing and validating a large document that is not cached yet runs on these threads, so
# the event loop keeps answering (it gets the GIL back every 5 ms) while graphql-core works
# through it. Two threads: a burst of such documents queues here, not on the event loop.
_DOCUMENT_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graphql-document")
# Below this many tokens parse + validation take about a millisecond: not worth a thread hop.
OFF_LOOP_TOKENS = 200


async def _off_the_loop(tokens: int, work, *args):
    if tokens < OFF_LOOP_TOKENS:
        return work(*args)
    return await asyncio.get_running_loop().run_in_executor(_DOCUMENT_WORKERS, work, *args)


def _parse(text: str, max_tokens: int):
    try:
        document = parse(text, max_tokens=max_tokens)
    except GraphQLSyntaxError as error:
        raise GraphQLError(
            error.message,
            source=error.source,
            positions=error.positions,
            extensions={"code": PARSE_FAILED},
        ) from None
    empty = _first_empty_selection_set(document)
    if empty is not None:
        # graphql-core 3.3 parses `{ }`, which the GraphQL grammar forbids and which the depth
        # limiter cannot measure: refuse it as the syntax error it is.
        raise GraphQLError(
            "Syntax Error: a selection set needs at least one field.",
            nodes=[empty],
            extensions={"code": PARSE_FAILED},
        )
    return document


def _first_empty_selection_set(document: DocumentNode) -> SelectionSetNode | None:
    pending = [d.selection_set for d in document.definitions if getattr(d, "selection_set", None)]
    while pending:
        selection_set = pending.pop()
        if not selection_set.selections:
            return selection_set
        pending.extend(
            inner
            for s in selection_set.selections
            if (inner := getattr(s, "selection_set", None)) is not None
        )
    return None


class DocumentGuard(SchemaExtension):
    """Parse and validate through the cache, refusing documents over the limits before the
    parser (pure Python, ~12 µs a token) or the validator (quadratic in repeated selections)
    spends time on them, and doing what remains of a large document off the event loop."""

    def __init__(self, cache: DocumentCache) -> None:
        self.cache = cache
        self.key: str | None = None
        self.tokens = 0
        self.refusal: GraphQLError | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            try:
                context.graphql_document = await self._document(context.query)
                _resolve_operation(context)
            except GraphQLError as refusal:
                # Reported as the validation result, so every transport (HTTP, WebSocket,
                # streams) answers it as it answers invalid documents; until then strawberry
                # looks at a stand-in that resolves to the requested operation.
                self.refusal = refusal
                context.graphql_document = _stand_in(_wanted_operation(context))
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if self.refusal is not None:
            context.pre_execution_errors = [self.refusal]
        elif context.pre_execution_errors is None and context.graphql_document is not None:
            context.pre_execution_errors = await self._validate(context)
        yield

    async def _document(self, text: str):
        cached = self.cache.parsed.get(text)
        if cached is None:
            try:
                shape = measure(text, self.cache.limits)
            except TooComplex as problem:
                raise ApiError(TOO_COMPLEX, problem.message, **problem.extensions) from None
            document = await _off_the_loop(shape.tokens, _parse, text, self.cache.limits.max_tokens)
            cached = (document, shape.key, shape.tokens)
            self.cache.parsed.put(text, cached)
        document, self.key, self.tokens = cached
        return document

    async def _validate(self, context) -> list[GraphQLError]:
        if self.key is not None and self.cache.valid.get(self.key):
            return []
        errors = self.cache.invalid.get(context.query) if context.query else None
        if errors is None:
            try:
                found = await _off_the_loop(
                    self.tokens,
                    validate_document,
                    context.schema._schema,
                    context.graphql_document,
                    context.validation_rules,
                )
            except Exception:
                # A validation rule that breaks on an odd document must not answer with its
                # own exception text: strawberry would hand that to the client unmasked.
                request_id = getattr(context.context, "request_id", None)
                log.exception("validation failed unexpectedly", extra={"request_id": request_id})
                return [
                    ApiError(
                        "INTERNAL_ERROR",
                        f"Internal error (request {request_id}).",
                        requestId=request_id,
                    )
                ]
            errors = [_with_code(error, VALIDATION_FAILED) for error in found]
            if errors and context.query:
                self.cache.invalid.put(context.query, errors)
            elif not errors and self.key is not None:
                self.cache.valid.put(self.key, True)
        return errors


def _wanted_operation(context) -> str | None:
    # strawberry's `operation_name` falls back to the first operation's name; only the
    # provided one tells an ambiguous document from a named request.
    return getattr(context, "_provided_operation_name", None)


def _stand_in(operation_name: str | None) -> DocumentNode:
    """`query <operation_name> { __typename }`, never executed: it only stands in for a
    refused document between parsing and validation."""
    return DocumentNode(
        definitions=(
            OperationDefinitionNode(
                operation=OperationType.QUERY,
                name=NameNode(value=operation_name) if operation_name is not None else None,
                variable_definitions=(),
                directives=(),
                selection_set=SelectionSetNode(
                    selections=(
                        FieldNode(name=NameNode(value="__typename"), arguments=(), directives=()),
                    )
                ),
            ),
        )
    )


def _resolve_operation(context) -> None:
    """Refuse a document whose operation to run is ambiguous or missing (GraphQL spec,
    GetOperation()): several operations need `operationName`, and the name must exist."""
    wanted = _wanted_operation(context)
    operations = [
        definition
        for definition in context.graphql_document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if wanted is None and len(operations) > 1:
        raise ApiError(
            OPERATION_RESOLUTION_FAILURE,
            "The document has several operations: name the one to run in `operationName`.",
        )
    if wanted is not None and not any(op.name and op.name.value == wanted for op in operations):
        raise ApiError(OPERATION_RESOLUTION_FAILURE, f"No operation named `{wanted}`.")


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
        # A literal can hold NUL only as the character itself or as a \u escape, so a text
        # with neither needs no walk over its tree (which was ~5 % of an `availability`).
        query = context.query
        may_hold = query is None or NUL in query or "\\u" in query
        if not found and may_hold and context.graphql_document is not None:
            finder = _NulInLiteral()
            visit(context.graphql_document, finder)
            found = finder.found
        if found:
            context.result = ExecutionResult(
                data=None,
                errors=[ApiError(BAD_USER_INPUT, "Text may not contain the NUL character.")],
            )
        yield


def build_extensions(
    *,
    production: bool,
    max_depth: int,
    max_aliases: int,
    max_tokens: int | None = None,
    limits: DocumentLimits | None = None,
):
    limits = limits or DocumentLimits()
    if max_tokens is not None:
        limits = DocumentLimits(**{**limits.__dict__, "max_tokens": max_tokens})
    cache = DocumentCache(limits)
    # The limiters build their validation rule classes when constructed: build them once.
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    extensions = [
        # First, so it sees the errors as the client gets them (masked and coded).
        OperationTelemetry,
        MaskUnexpectedErrors,
        lambda: DocumentGuard(cache),
        lambda: AddValidationRules(rules),
        RefuseNulCharacters,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
