"""HTTP edge of every request: a request id, the caller's identity from the Authorization
header, and the caller's request budget. Failures here answer in the GraphQL-over-HTTP error
shape with a 4xx status, never a stack trace."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from authz import ratelimit, tokens
from authz.identity import ANONYMOUS, Identity, Kind
from domain import i18n
from server.settings import Settings

log = logging.getLogger("hotel.http")


def error_response(status: int, code: str, message: str, headers=None, **extensions):
    return JSONResponse(
        {
            "data": None,
            "errors": [
                {"message": i18n.translate(message), "extensions": {"code": code, **extensions}}
            ],
        },
        status_code=status,
        headers=headers,
    )


def client_address(connection: HTTPConnection) -> str | None:
    return connection.client.host if connection.client else None


async def identity_from_bearer(authorization: str | None, *, fresh: bool = False) -> Identity:
    """Resolve `Bearer <token>`; raise tokens.InvalidToken when it is present but bad. An
    access token's identity comes from the short-lived identity cache unless `fresh`."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.InvalidToken("UNAUTHENTICATED", "Use 'Authorization: Bearer <token>'.")
    token = token.strip()
    if tokens.is_api_token(token):
        return await tokens.authenticate_api_token(token)
    return await tokens.authenticate_access_token(token, fresh=fresh)


def budget_for(identity: Identity, settings: Settings) -> int:
    if identity.request_budget:
        return identity.request_budget
    return {
        Kind.STAFF: settings.budget_staff_per_minute,
        Kind.GUEST: settings.budget_guest_per_minute,
        Kind.PARTNER: settings.budget_partner_per_minute,
    }.get(identity.kind, settings.budget_anonymous_per_minute)


class _BodyTooLarge(Exception):
    pass


def body_limit(scope: Scope, settings: Settings) -> int:
    """JSON documents are small; multipart uploads may carry a document up to the limit."""
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
    if content_type.startswith(b"multipart/"):
        return settings.document_max_upload_bytes + 1024 * 1024
    return settings.max_request_bytes


def limited_receive(receive: Receive, limit: int) -> Receive:
    """Count the body as it arrives, for clients that send no (or a false) Content-Length."""
    seen = 0

    async def receive_counted():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
        return message

    return receive_counted


def too_large(limit: int):
    return error_response(413, "PAYLOAD_TOO_LARGE",
                          f"The request body is larger than {limit} bytes.")


# A caller's own request id is kept when it is short and plain (it lands in the audit trail's
# request_id column and is echoed in a header); anything else gets a fresh id.
_CALLER_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,40}")


def _request_id(sent: str | None) -> str:
    if sent and _CALLER_REQUEST_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class ResponseTracker:
    """Wraps `send` to remember whether the response has started: once it has, an error can
    no longer be answered with a response of its own."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


def header(scope: Scope, name: bytes) -> str | None:
    """One request header straight from the ASGI scope (`name` in lower case)."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # The request's language: Accept-Language now, the account's saved one once known.
        accept = header(scope, b"accept-language")
        language = i18n.current_language.set(i18n.negotiate(accept))
        try:
            await self._handle(scope, receive, send)
        finally:
            i18n.current_language.reset(language)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        request_id = _request_id(connection.headers.get("x-request-id"))
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_ip"] = client_address(connection)
        state["identity"] = ANONYMOUS
        started = time.perf_counter()

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        if scope["type"] == "http" and scope["path"].startswith("/graphql"):
            limit = body_limit(scope, self.settings)
            declared = connection.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                await too_large(limit)(scope, receive, send_with_id)
                return
            refusal = await self._authenticate(connection, state)
            if refusal is not None:
                await refusal(scope, receive, send_with_id)
                return
            receive = limited_receive(receive, limit)
        tracked = ResponseTracker(send_with_id)
        try:
            await self.app(scope, receive, tracked)
        except _BodyTooLarge:
            if tracked.started:
                raise
            await too_large(body_limit(scope, self.settings))(scope, receive, send_with_id)
        if scope["type"] == "http":
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope["path"],
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    async def _authenticate(self, connection: HTTPConnection, state: dict):
        try:
            identity = await identity_from_bearer(connection.headers.get("authorization"))
        except tokens.InvalidToken as problem:
            return error_response(
                401, problem.code, problem.message, headers={"WWW-Authenticate": "Bearer"}
            )
        state["identity"] = identity
        if identity.language:
            i18n.current_language.set(identity.language)
        key = identity.budget_key or f"address:{state['client_ip']}"
        verdict = await ratelimit.counter.hit(
            f"budget:{key}", budget_for(identity, self.settings), 60
        )
        if not verdict.allowed:
            return error_response(
                429,
                "RATE_LIMITED",
                f"Request budget used up; retry in {verdict.retry_after_seconds} seconds.",
                headers={"Retry-After": str(verdict.retry_after_seconds)},
                retryAfter=verdict.retry_after_seconds,
            )
        return None
