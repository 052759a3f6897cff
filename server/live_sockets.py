"""Live sockets (graphql-transport-ws on `/graphql`) obey the same rules as HTTP requests.

- `connection_init` authenticates the credentials the client sends (`Authorization` or `token`
  in the payload) with the same function HTTP uses (`server.middleware.identity_from_bearer`),
  and takes one of the caller's socket slots (`max_open_sockets_per_account`, P6.1.2): over the
  cap the socket is refused with 4429.
- Every operation (query, mutation or subscription) re-authenticates the socket's credentials
  like a new HTTP request: a revoked or logged-out session, an expired token, a disabled account
  or a revoked API token is refused and the socket closed with 4401. The operation runs with the
  identity read now (current roles), in a context of its own (its own access decisions and
  dataloaders), and counts against the caller's request budget under the same key as HTTP, so
  HTTP and sockets share one budget; over budget the operation gets a RATE_LIMITED error and the
  socket stays open.
- While open, a socket listens for access changes of its session, account or API token
  (`domain.broker`, across processes with Redis) and re-checks at once; it also checks its
  credential's expiry every few seconds against the injected clock, and re-authenticates fully
  now and then in case an announcement was lost. Credentials that ended close the socket with
  4401; rights that were taken away (a role or scope removed) close it with 4403, since running
  subscriptions may rest on them and must be asked for again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
import uuid

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from authz import ratelimit, socket_slots, tokens
from authz.identity import Identity
from domain import broker as broker_module
from domain.clock import clock
from domain.policy_params import params
from schema.context import RequestContext
from server.middleware import budget_for, identity_from_bearer
from server.settings import get_settings

log = logging.getLogger("hotel.sockets")

UNAUTHORIZED = 4401
FORBIDDEN = 4403
TOO_MANY = 4429
TRY_AGAIN_LATER = 1013
# The expiry check is a clock comparison (no database): every few seconds of real time, so a
# socket outlives its token by at most this much.
EXPIRY_CHECK_SECONDS = 2.0
# A full re-authentication (one query) now and then, for announcements lost to a Redis outage.
RECHECK_SECONDS = 60.0

# The context of the operation being started; the operation's task inherits it (tasks copy
# context variables when created), which is how each operation gets its own context although
# strawberry hands every operation of a socket the one connection context.
_operation_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "socket_operation_context", default=None
)


def authorization_of(params: dict) -> str | None:
    authorization = params.get("Authorization") or params.get("authorization")
    if not authorization and params.get("token"):
        authorization = f"Bearer {params['token']}"
    return authorization if isinstance(authorization, str) else None


def rights_removed(before: Identity, after: Identity) -> bool:
    return (
        before.kind != after.kind
        or bool(set(before.roles) - set(after.roles))
        or bool(set(before.scopes) - set(after.scopes))
    )


class _SocketEnds(Exception):
    def __init__(self, close_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.code = code
        self.message = message


class LiveSocketHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.socket_id = uuid.uuid4().hex
        self._authorization: str | None = None
        self._holder: str | None = None
        self._watcher: asyncio.Task | None = None
        self._closed = False

    # strawberry reads `self.context` when it starts an operation; inside an operation's task it
    # is that operation's own context, everywhere else the connection's.
    @property
    def context(self) -> RequestContext:
        return _operation_context.get() or self._connection_context

    @context.setter
    def context(self, value: RequestContext) -> None:
        self._connection_context = value

    # -- opening ----------------------------------------------------------------------------

    async def handle_connection_init(self, message) -> None:
        payload = message.get("payload", {})
        first = not (self.connection_init_received or self.connection_timed_out)
        if first and isinstance(payload, dict):
            refusal = await self._admit(payload)
            if refusal is not None:
                self.connection_init_received = True
                if self.connection_init_timeout_task:
                    self.connection_init_timeout_task.cancel()
                await self._end(*refusal)
                return
        # strawberry answers protocol errors and sends the ack (view.on_ws_connect guards it).
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watcher is None:
            self._watcher = asyncio.create_task(self._watch())

    async def _admit(self, payload: dict) -> tuple[int, str] | None:
        authorization = authorization_of(payload)
        try:
            identity = await identity_from_bearer(authorization, fresh=True)
        except tokens.InvalidToken as problem:
            return FORBIDDEN, problem.code
        except Exception:
            log.exception("could not authenticate a socket")
            return TRY_AGAIN_LATER, "SERVICE_UNAVAILABLE"
        if not identity.is_authenticated or identity.budget_key is None:
            return FORBIDDEN, "UNAUTHENTICATED"
        if not await self._take_slot(identity.budget_key):
            return TOO_MANY, "TOO_MANY_SOCKETS"
        self._holder = identity.budget_key
        self._authorization = authorization
        self._connection_context.identity = identity
        return None

    async def _take_slot(self, holder: str) -> bool:
        try:
            cap = await params.max_open_sockets_per_account
            return await socket_slots.slots.take(holder, self.socket_id, cap)
        except Exception:
            # The cap guards resources, it is not an authentication: while its store is down,
            # sockets are admitted rather than live updates going down with it.
            log.warning("socket slots unavailable; admitting the socket", exc_info=True)
            return True

    # -- every operation -------------------------------------------------------------------

    async def handle_subscribe(self, message) -> None:
        if not self.connection_acknowledged or message.get("id") in self.operations:
            await super().handle_subscribe(message)  # strawberry's protocol errors
            return
        if self._closed:
            return
        operation_id = message["id"]
        try:
            identity = await self._current_identity()
            verdict = await ratelimit.counter.hit(
                f"budget:{identity.budget_key}", budget_for(identity, self._settings()), 60
            )
        except _SocketEnds as ending:
            await self._refuse(operation_id, ending.code, ending.message)
            await self._end(ending.close_code, ending.code)
            return
        except Exception:
            log.exception("could not check a socket operation")
            await self._refuse(operation_id, "SERVICE_UNAVAILABLE",
                               "The operation could not be checked; try again.")
            return
        if not verdict.allowed:
            await self._refuse(
                operation_id,
                "RATE_LIMITED",
                f"Request budget used up; retry in {verdict.retry_after_seconds} seconds.",
                retryAfter=verdict.retry_after_seconds,
            )
            return
        connection = self._connection_context
        operation_context = RequestContext(
            identity=identity,
            request_id=uuid.uuid4().hex,
            client_ip=connection.client_ip,
            request=connection.request,
            response=connection.response,
            connection_params=connection.connection_params,
        )
        token = _operation_context.set(operation_context)
        try:
            await super().handle_subscribe(message)
        finally:
            _operation_context.reset(token)

    async def _refuse(self, operation_id: str, code: str, message: str, **extensions) -> None:
        error = {"message": message, "extensions": {"code": code, **extensions}}
        await self.send_message({"id": operation_id, "type": "error", "payload": [error]})

    def _settings(self):
        request = self._connection_context.request
        app = getattr(request, "scope", {}).get("app")
        settings = getattr(getattr(app, "state", None), "settings", None)
        return settings or get_settings()

    # -- the credentials, now ---------------------------------------------------------------

    async def _current_identity(self) -> Identity:
        """The socket's identity as the database says now (current roles); raise _SocketEnds
        when its credentials ended or rights were taken away."""
        before = self._connection_context.identity
        try:
            identity = await identity_from_bearer(self._authorization, fresh=True)
        except tokens.InvalidToken as problem:
            raise _SocketEnds(UNAUTHORIZED, problem.code, problem.message) from None
        if rights_removed(before, identity):
            raise _SocketEnds(FORBIDDEN, "FORBIDDEN",
                              "Your rights changed; open a new socket and subscribe again.")
        self._connection_context.identity = identity
        return identity

    async def _watch(self) -> None:
        identity = self._connection_context.identity
        subjects = [self._holder]
        if identity.session:
            subjects.append(f"session:{identity.session}")
        last_full_check = last_renewal = time.monotonic()
        try:
            async with broker_module.broker.watch_access(subjects) as changes:
                while not self._closed:
                    try:
                        await asyncio.wait_for(changes.get(), timeout=EXPIRY_CHECK_SECONDS)
                        announced = True
                    except TimeoutError:
                        announced = False
                    while not changes.empty():
                        changes.get_nowait()
                    now = time.monotonic()
                    expires_at = self._connection_context.identity.expires_at
                    if announced or now - last_full_check >= RECHECK_SECONDS:
                        last_full_check = now
                        await self._recheck()
                    elif expires_at is not None and expires_at <= clock.now():
                        await self._end(UNAUTHORIZED, "TOKEN_EXPIRED")
                    if now - last_renewal >= socket_slots.LEASE_SECONDS / 3:
                        last_renewal = now
                        await self._renew_slot()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("socket watcher stopped", extra={"socket": self.socket_id})

    async def _renew_slot(self) -> None:
        try:
            await socket_slots.slots.renew(self._holder, self.socket_id)
        except Exception:  # the next renewal tries again before the lease runs out
            log.warning("could not renew a socket's slot", exc_info=True)

    async def _recheck(self) -> None:
        try:
            await self._current_identity()
        except _SocketEnds as ending:
            await self._end(ending.close_code, ending.code)
        except Exception:  # a database hiccup: the next operation or timer checks again
            log.warning("socket re-check failed", exc_info=True)

    # -- closing ----------------------------------------------------------------------------

    async def _end(self, code: int, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        log.info("socket closed", extra={"socket": self.socket_id, "code": code,
                                         "reason": reason})
        # Operations still running were started on the credentials that ended: stop them.
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        with contextlib.suppress(Exception):  # the client may be gone already
            await self.websocket.close(code=code, reason=reason)

    async def send_message(self, message) -> None:
        if not self._closed:  # nothing more goes out once the socket was ended
            await super().send_message(message)

    async def shutdown(self) -> None:
        if self._watcher is not None and self._watcher is not asyncio.current_task():
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watcher
        if self._holder is not None:
            with contextlib.suppress(Exception):  # a lost release expires with its lease
                await socket_slots.slots.release(self._holder, self.socket_id)
        await super().shutdown()
