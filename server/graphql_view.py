"""The `/graphql` endpoint: strawberry's ASGI view with our context, errors in the JSON shape
of GraphQL-over-HTTP, and authentication of subscriptions when the socket opens."""

from __future__ import annotations

from cross_web import HTTPException
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from authz import tokens
from schema.context import RequestContext
from server.middleware import error_response, identity_from_bearer


class GraphQLView(GraphQL):
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
        params = context.connection_params or {}
        if not isinstance(params, dict):
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        authorization = params.get("Authorization") or params.get("authorization")
        if not authorization and params.get("token"):
            authorization = f"Bearer {params['token']}"
        try:
            context.identity = await identity_from_bearer(authorization)
        except tokens.InvalidToken as problem:
            raise ConnectionRejectionError(
                {"code": problem.code, "message": problem.message}
            ) from None
        if not context.identity.is_authenticated:
            raise ConnectionRejectionError(
                {"code": "UNAUTHENTICATED", "message": "Send Authorization in connection_init."}
            )
        return None
