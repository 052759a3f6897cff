"""The `/graphql` endpoint: strawberry's ASGI view with our context, errors in the JSON shape
of GraphQL-over-HTTP, and live sockets over graphql-transport-ws that obey the same rules as
HTTP (server/live_sockets.py)."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.context import RequestContext
from server.live_sockets import LiveSocketHandler
from server.middleware import error_response


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
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as problem:
            status = problem.status_code
            # GraphQL-over-HTTP: a mutation sent with GET is 405, not a malformed request.
            if "not allowed when using GET" in problem.reason:
                status = 405
            code = "METHOD_NOT_ALLOWED" if status == 405 else "BAD_REQUEST"
            response = error_response(status, code, problem.reason)
        await response(scope, receive, send)

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
