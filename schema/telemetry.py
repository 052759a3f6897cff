"""What every GraphQL operation costs and how it ended, for operators (issue 12: observable in
production): a Prometheus counter and latency histogram per operation, errors by code (top-level
errors and the codes of payload `errors`), and an OpenTelemetry span per operation when tracing is
configured.

Operation names come from clients, so they are bounded: a name that is not a GraphQL name is
counted as `invalid`, an operation without a name as `anonymous`, and once a process has seen
`MAX_OPERATION_NAMES` distinct names the rest are counted as `other` (a caller inventing names
cannot grow the metrics without bound). Codes are ours (`ErrorCode`, the GraphQL codes), never
free text. The extension is first in the list, so it sees errors after they were masked and
coded."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from opentelemetry import trace
from prometheus_client import Counter, Histogram
from strawberry.extensions import SchemaExtension

MAX_OPERATION_NAMES = 300
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

OPERATIONS = Counter(
    "hotel_graphql_operations_total",
    "GraphQL operations by name and type, and whether they ended with a top-level error.",
    ["operation", "type", "outcome"],
)
LATENCY = Histogram(
    "hotel_graphql_operation_seconds",
    "Time from receiving a GraphQL document to its result, parse and validation included.",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
ERRORS = Counter(
    "hotel_graphql_errors_total",
    "Errors by code: `top` are GraphQL errors (UNAUTHENTICATED, FORBIDDEN, INTERNAL_ERROR, ...), "
    "`payload` the codes of mutation payloads' `errors` (business refusals).",
    ["code", "kind"],
)

_seen_names: set[str] = set()
tracer = trace.get_tracer("hotel.graphql")


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "invalid"
    if name in _seen_names:
        return name
    if len(_seen_names) >= MAX_OPERATION_NAMES:
        return "other"
    _seen_names.add(name)
    return name


def _code_label(code: object) -> str:
    return code if isinstance(code, str) and _CODE.fullmatch(code) else "UNKNOWN"


def payload_error_codes(data: object, depth: int = 0) -> Iterator[str]:
    """Codes of the `errors` lists in a result's data (mutation payloads), a few levels deep."""
    if depth > 3 or not isinstance(data, dict):
        return
    for key, value in data.items():
        if key == "errors" and isinstance(value, list):
            for error in value:
                if isinstance(error, dict) and "code" in error:
                    yield _code_label(error["code"])
        elif isinstance(value, dict):
            yield from payload_error_codes(value, depth + 1)


def _operation_type(context) -> str:
    try:
        kind = context.operation_type
    except Exception:  # an unparsable document has no operation
        return "unknown"
    name = getattr(kind, "value", None)  # strawberry's OperationType: query, mutation, ...
    return name if isinstance(name, str) else "unknown"


def _declared_name(context) -> str | None:
    if context.operation_name:
        return context.operation_name
    document = context.graphql_document
    if document is None:
        return None
    names = [d.name.value for d in document.definitions if getattr(d, "name", None)
             and d.kind == "operation_definition"]
    return names[0] if len(names) == 1 else None


class OperationTelemetry(SchemaExtension):
    def on_operation(self):
        started = time.perf_counter()
        span = None
        if tracing_enabled():
            span = tracer.start_span("graphql.operation")
        try:
            yield
        finally:
            self._record(time.perf_counter() - started, span)

    def _record(self, seconds: float, span) -> None:
        context = self.execution_context
        name = operation_label(_declared_name(context))
        kind = _operation_type(context)
        result = context.result
        errors = (result.errors if result is not None else None) or context.pre_execution_errors
        top_codes = [_code_label((e.extensions or {}).get("code")) for e in errors or ()]
        LATENCY.labels(name, kind).observe(seconds)
        OPERATIONS.labels(name, kind, "error" if top_codes else "ok").inc()
        for code in top_codes:
            ERRORS.labels(code, "top").inc()
        if result is not None and kind == "mutation":
            for code in payload_error_codes(result.data):
                ERRORS.labels(code, "payload").inc()
        if span is not None:
            span.update_name(f"graphql {kind} {name}")
            span.set_attribute("graphql.operation.name", name)
            span.set_attribute("graphql.operation.type", kind)
            request_id = getattr(context.context, "request_id", None)
            if request_id:
                span.set_attribute("hotel.request_id", request_id)
            if top_codes:
                span.set_attribute("graphql.error.codes", top_codes[:10])
                span.set_status(trace.Status(trace.StatusCode.ERROR))
            span.end()


def tracing_enabled() -> bool:
    """True once `server.tracing` installed an SDK tracer provider (an exporter is configured);
    otherwise no span is even started on the hot path."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
