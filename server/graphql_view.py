"""The `/graphql` endpoint: strawberry's ASGI view with our context, errors in the JSON shape
of GraphQL-over-HTTP, and live sockets over graphql-transport-ws that obey the same rules as
HTTP (server/live_sockets.py).

Over HTTP every malformed request is a 400 with `extensions.code` BAD_REQUEST and a message
saying what is wrong (a body that is not a JSON object, not UTF-8, nested too deeply, fields of
the wrong type), and a document refused before it ran (syntax, validation, limits, no operation
to run) is a 400 too, as Apollo Server answers them. Nothing a client sends is a 500."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from cross_web import HTTPException
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.context import RequestContext
from schema.extensions import REFUSED_BEFORE_EXECUTION
from server.live_sockets import LiveSocketHandler
from server.middleware import error_response

# GraphQL variables are inputs a few levels deep; deeper JSON is an attack on the recursive
# decoders and coercers downstream (a RecursionError would be a 500).
MAX_JSON_DEPTH = 32
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_depth_exceeds(value, limit: int) -> bool:
    """Whether `value` nests deeper than `limit`, walked without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _json_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


def _query_string_is_utf8(scope) -> bool:
    try:
        parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True,
                  encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


class GraphQLView(GraphQL):
    graphql_transport_ws_handler_class = LiveSocketHandler

    @property
    def websocket_subprotocols(self) -> list[str]:
        # Only graphql-transport-ws: its handler checks every operation; the legacy graphql-ws
        # protocol would run operations on the identity of the moment the socket opened.
        return [GRAPHQL_TRANSPORT_WS_PROTOCOL]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            if not _query_string_is_utf8(scope):
                raise HTTPException(400, "The query string is not valid UTF-8.")
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as problem:
            status = problem.status_code
            # GraphQL-over-HTTP: a mutation sent with GET is 405, not a malformed request.
            if "not allowed when using GET" in problem.reason:
                status = 405
            code = "METHOD_NOT_ALLOWED" if status == 405 else "BAD_REQUEST"
            response = error_response(status, code, problem.reason)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """A JSON object (or a batch list, which the base view refuses unless batching is on),
        UTF-8, nested at most MAX_JSON_DEPTH deep; anything else is a 400."""
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise HTTPException(400, "The request body is not valid UTF-8.") from None
        try:
            value = json.loads(data)
        except RecursionError:
            value = None
        else:
            if not isinstance(value, (dict, list)):
                raise HTTPException(400, f"Expected a JSON object, got {_json_kind(value)}.")
        if value is None or _json_depth_exceeds(value, MAX_JSON_DEPTH):
            raise HTTPException(400, f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
        if _SURROGATE_ESCAPE.search(data):
            # JSON may escape half of a surrogate pair alone; such a string is not Unicode
            # text and every encoder downstream (database, logs) would fail on it.
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise HTTPException(
                    400, "The JSON holds an unpaired surrogate escape (\\uD800-\\uDFFF)."
                ) from None
        return value

    async def parse_http_body(self, request):
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, (str, type(None))):
                raise HTTPException(
                    400, "The GraphQL operation's `operationName` must be a string or null."
                )
        return data

    async def execute_single(self, *, sub_response, **kwargs):
        result = await super().execute_single(sub_response=sub_response, **kwargs)
        refused = {(e.extensions or {}).get("code") for e in result.errors or ()}
        if result.data is None and refused & REFUSED_BEFORE_EXECUTION:
            sub_response.status_code = 400
        return result

    async def get_context(self, request: Request | WebSocket, response=None) -> RequestContext:
        state = request.scope.get("state", {})
        return RequestContext(
            identity=state.get("identity") or RequestContext().identity,
            request_id=state.get("request_id"),
            client_ip=state.get("client_ip"),
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: RequestContext):
        # LiveSocketHandler authenticated the socket and took its slot before this point.
        if not context.identity.is_authenticated:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        return None
