"""The Starlette application: `/graphql` (queries, mutations, multipart uploads, subscriptions
over graphql-transport-ws), `/files/<token>` (document downloads), `/healthz`, `/readyz`, and
`/metrics` (for operators, with the metrics token)."""

from __future__ import annotations

import contextlib

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from schema import build_schema
from schema.document_shape import DocumentLimits
from server import runtime as runtime_module
from server.downloads import download
from server.graphql_view import GraphQLView
from server.health import healthz, readyz
from server.heap import settle_heap
from server.metrics import metrics
from server.middleware import EdgeMiddleware, error_response
from server.outages import OutageMiddleware
from server.settings import Settings, get_settings
from server.tracing import TracingMiddleware


class ReadinessGate:
    """Refuse `/graphql` with 503 while the database is unmigrated (`/readyz` says why)."""

    def __init__(self, app, holder: dict) -> None:
        self.app = app
        self.holder = holder

    async def __call__(self, scope, receive, send) -> None:
        runtime = self.holder.get("runtime")
        if (
            scope["type"] == "http"
            and scope["path"].startswith("/graphql")
            and (runtime is None or not runtime.ready)
        ):
            reason = runtime.not_ready_reason if runtime else "starting"
            await error_response(503, "SERVICE_UNAVAILABLE", f"Not ready: {reason}")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    manage_runtime: bool = True,
    apply_migrations: bool | None = None,
) -> Starlette:
    """Build the app. With `manage_runtime=False` the caller (a test) starts the runtime and
    puts it in `app.state.holder['runtime']`."""
    settings = settings or get_settings()
    schema = build_schema(
        production=settings.is_production,
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        document_limits=DocumentLimits(
            max_length=settings.max_query_length,
            max_tokens=settings.max_tokens,
            max_fields=settings.max_query_fields,
            max_selections_per_set=settings.max_selections_per_set,
            max_repeated_selections=settings.max_repeated_selections,
            max_fragments=settings.max_fragments,
            max_fragment_spreads=settings.max_fragment_spreads,
        ),
    )
    view = GraphQLView(
        schema,
        graphql_ide=None if settings.is_production else "graphiql",
        multipart_uploads_enabled=True,
    )
    holder: dict = {}
    migrate = (not settings.is_production) if apply_migrations is None else apply_migrations

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if manage_runtime:
            holder["runtime"] = await runtime_module.start(settings, apply_migrations=migrate)
            from workers.runner import start_in_process_runner

            await start_in_process_runner(holder["runtime"])
        settle_heap()
        try:
            yield
        finally:
            if manage_runtime and holder.get("runtime"):
                await runtime_module.stop(holder["runtime"])

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/files/{token}", download, methods=["GET"]),
            WebSocketRoute("/graphql", view),
        ],
        middleware=[
            Middleware(TracingMiddleware),
            Middleware(OutageMiddleware),
            Middleware(ReadinessGate, holder=holder),
            Middleware(EdgeMiddleware, settings=settings),
        ],
        lifespan=lifespan,
    )
    app.state.holder = holder
    app.state.settings = settings
    app.state.schema = schema
    return app
