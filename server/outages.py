"""HTTP answers while a dependency is down: a coded SERVICE_UNAVAILABLE with HTTP 503 and
Retry-After, never a 500. Exceptions that escape the app (the identity check before GraphQL runs
reads the database) are caught here; errors inside GraphQL execution are turned into the same
code by the masking extension (schema/extensions.py), which also sets the 503 status."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from domain.outages import RETRY_AFTER_SECONDS, unavailable_dependency
from server.middleware import ResponseTracker, error_response

log = logging.getLogger("hotel.http")


def unavailable_response(dependency: str, request_id: str | None = None):
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request_id:
        headers["x-request-id"] = request_id
    return error_response(
        503,
        "SERVICE_UNAVAILABLE",
        f"The {dependency} is unavailable; retry in {RETRY_AFTER_SECONDS} seconds.",
        headers=headers,
        retryAfter=RETRY_AFTER_SECONDS,
        requestId=request_id,
    )


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = ResponseTracker(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as problem:
            dependency = unavailable_dependency(problem)
            if dependency is None or tracked.started:
                raise
            request_id = scope.get("state", {}).get("request_id")
            log.warning(
                "%s unavailable: %s: %s", dependency, type(problem).__name__, problem,
                extra={"request_id": request_id, "path": scope.get("path")},
            )
            await unavailable_response(dependency, request_id)(scope, receive, send)
