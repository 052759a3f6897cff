"""When a service the platform depends on is down: recognise it, and stop hammering it.

`unavailable_dependency(error)` is the one place that decides whether an exception means "the
database (or Redis) cannot be reached right now" rather than "our code is wrong": the API answers
the first with a coded SERVICE_UNAVAILABLE (HTTP 503 + Retry-After) and masks only the second as
INTERNAL_ERROR. It looks through the exception's causes, because the ORM re-raises driver errors
under its own types.

`Breaker` remembers a failed call for a short back-off, so while Redis is down each request does
not wait on a fresh connection attempt before falling back to per-process counters or polling.
`SharedOrLocal` uses it to put an in-process stand-in (counters, socket slots) behind a
Redis-backed store with the same methods.

The numbers here are operational, not policy: they must be answerable while the database (where
policy parameters live) is itself down.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

DATABASE = "database"
REDIS = "redis"
# What a refused client is told to wait (Retry-After), and how long a failed dependency is left
# alone before it is tried again.
RETRY_AFTER_SECONDS = 5
BACKOFF_SECONDS = 5.0

# SQLite's words for "another process holds the write lock and the busy timeout ran out".
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def _causes(error: BaseException):
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend([current.__cause__, current.__context__])
        pending.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))


def _is_redis_error(error: BaseException) -> bool:
    from redis import exceptions as redis_errors

    return isinstance(error, redis_errors.ConnectionError | redis_errors.TimeoutError)


def _is_database_error(error: BaseException) -> bool:
    import asyncpg
    from tortoise.exceptions import DBConnectionError

    if isinstance(
        error,
        DBConnectionError
        | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError  # shutting down, starting up, cancelled
        | asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    ):
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return "connection" in str(error).lower()
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        # A connection the server terminated mid-operation is left in a protocol state it
        # cannot leave ("cannot switch to state 15; another operation (2) is in progress"):
        # seen when PostgreSQL restarts under load, and as much an outage as a refused connect.
        return "cannot switch to state" in str(error).lower()
    if isinstance(error, sqlite3.OperationalError):
        return any(words in str(error).lower() for words in _SQLITE_BUSY)
    return False


def _is_network_error(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError):
        return True
    # asyncio reports several failed addresses (::1 and 127.0.0.1) as one plain OSError.
    return type(error) is OSError and "connect call failed" in str(error).lower()


def unavailable_dependency(error: BaseException) -> str | None:
    """`"database"` or `"redis"` when `error` (or what caused it) says that dependency cannot be
    reached or is too busy to answer in time; None for every other error."""
    causes = list(_causes(error))
    for cause in causes:
        if _is_redis_error(cause):
            return REDIS
        if _is_database_error(cause):
            return DATABASE
    # A bare socket error with no driver around it: only the database is reached that way by
    # request code (Redis calls are wrapped by redis-py's own exceptions).
    if any(_is_network_error(cause) for cause in causes):
        return DATABASE
    # SQLite's lock timeout is re-raised by the ORM as its own OperationalError with the text.
    if any(any(words in str(cause).lower() for words in _SQLITE_BUSY) for cause in causes):
        return DATABASE
    return None


class Breaker:
    """A failed dependency is skipped for `backoff_seconds`, then tried again."""

    def __init__(self, name: str, backoff_seconds: float = BACKOFF_SECONDS) -> None:
        self.name = name
        self.backoff_seconds = backoff_seconds
        self._open_until = 0.0
        self.down = False

    @property
    def closed(self) -> bool:
        """True when the dependency may be called now (up, or its back-off has passed)."""
        return time.monotonic() >= self._open_until

    def failed(self, error: BaseException) -> None:
        if not self.down:
            log.warning("%s unreachable, falling back: %s: %s", self.name,
                        type(error).__name__, error)
        self.down = True
        self._open_until = time.monotonic() + self.backoff_seconds

    def succeeded(self) -> None:
        if self.down:
            log.warning("%s reachable again", self.name)
        self.down = False
        self._open_until = 0.0

    async def call(
        self,
        primary: Callable[[], Awaitable[T]],
        fallback: Callable[[], Awaitable[T]] | None = None,
    ) -> T | None:
        """`primary()`, unless it failed for an outage within the back-off; then `fallback()`
        (or nothing). Errors that are not outages are raised: they are bugs."""
        if self.closed:
            try:
                result = await primary()
            except Exception as problem:
                if unavailable_dependency(problem) is None:
                    raise
                self.failed(problem)
            else:
                self.succeeded()
                return result
        return None if fallback is None else await fallback()


class SharedOrLocal:
    """A Redis-backed store (`shared`), or its in-process stand-in (`local`, same methods)
    while Redis is unreachable: every async method call goes to `shared` unless it failed in the
    back-off period, and is answered by `local` otherwise. State kept locally during an outage
    stays local: each process then enforces its limits on its own share of the traffic."""

    def __init__(self, shared, local, name: str) -> None:
        self.shared = shared
        self.local = local
        self.breaker = Breaker(name)

    @property
    def degraded(self) -> bool:
        return self.breaker.down

    async def _call(self, name: str, *args, **kwargs):
        return await self.breaker.call(
            lambda: getattr(self.shared, name)(*args, **kwargs),
            lambda: getattr(self.local, name)(*args, **kwargs),
        )

    def __getattr__(self, name: str):
        shared = self.__dict__.get("shared")
        if name.startswith("_") or not callable(getattr(shared, name, None)):
            raise AttributeError(name)

        async def call(*args, **kwargs):
            return await self._call(name, *args, **kwargs)

        return call
