"""OpenTelemetry traces of requests and jobs, when an exporter is configured (issue 12,
observability): `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://127.0.0.1:4318`, OTLP over HTTP) turns
them on; `OTEL_SERVICE_NAME` names the process (default `hotel-api`, `hotel-worker` for workers).

Unset, nothing is installed and the hot path starts no span at all (`schema.telemetry`
checks for an SDK provider). Spans: one per HTTP request (`TracingMiddleware`, continuing a W3C
`traceparent` sent by a proxy or client), one per GraphQL operation inside it, one per job run.
Span attributes never carry personal data, tokens or query text: the route template, method,
status, operation name and type, error codes and the request id."""

from __future__ import annotations

import atexit
import logging

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from server.settings import Settings

log = logging.getLogger("hotel.tracing")
_provider = None
ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


def configure(settings: Settings, *, service: str = "hotel-api") -> bool:
    """Install the SDK tracer provider with an OTLP/HTTP exporter once per process."""
    global _provider
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint or _provider is not None:
        return _provider is not None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name or service})
    )
    exporter = OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)
    _provider = provider
    log.info("tracing on", extra={"endpoint": endpoint})
    return True


def flush() -> None:
    """Send what is buffered (a runtime is stopping; the process may start another, as
    `hotel serve` does after seeding, so the provider stays until the process exits)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)


def route_of(path: str) -> str:
    if path.startswith("/files/"):
        return "/files/{token}"  # the token is a credential: never in a span
    return path if path in ROUTES else "other"


def _headers(scope) -> dict[str, str]:
    return {
        key.decode("latin-1"): value.decode("latin-1")
        for key, value in scope.get("headers") or ()
        if key in (b"traceparent", b"tracestate")
    }


class TracingMiddleware:
    """A server span per HTTP request; a pass-through when tracing is off."""

    def __init__(self, app) -> None:
        self.app = app
        self.tracer = trace.get_tracer("hotel.http")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or _provider is None:
            await self.app(scope, receive, send)
            return
        route = route_of(scope["path"])
        method = scope.get("method", "GET")
        parent = propagate.extract(_headers(scope))
        with self.tracer.start_as_current_span(
            f"{method} {route}", context=parent, kind=SpanKind.SERVER
        ) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("http.route", route)
            status = {"code": 500}

            async def send_and_note(message) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    span.set_attribute("http.response.status_code", message["status"])
                    for key, value in message.get("headers", ()):
                        if key == b"x-request-id":
                            span.set_attribute("hotel.request_id", value.decode("latin-1"))
                await send(message)

            await self.app(scope, receive, send_and_note)
            if status["code"] >= 500:
                span.set_status(Status(StatusCode.ERROR))
