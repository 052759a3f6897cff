"""The embedded SQLite backend, safe for several API processes on one file (`serve --workers N`).

Tortoise's SQLite client already opens the file in WAL mode (readers never wait for the writer).
Two things it does not do make concurrent writers fail with `database is locked`:

* Its transactions start with a plain (deferred) `BEGIN`: the transaction reads first and asks for
  the write lock only at its first write. When another process wrote in between, SQLite cannot
  upgrade the stale snapshot and fails at once, without waiting. Here every transaction starts
  with `BEGIN IMMEDIATE`, taking the write lock up front, so writers queue instead of colliding.
* The wait for the lock is bounded by `PRAGMA busy_timeout` (set from the connection URL by
  `server.db`); SQLite retries the lock within it. A wait that outlasts it raises the driver's
  `database is locked`, which the API answers as SERVICE_UNAVAILABLE (domain.outages), not as an
  internal error.

Used as a Tortoise engine: `{"engine": "server.sqlite_backend", "credentials": {...}}`.
"""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import OperationalError


class ImmediateTransactionWrapper(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc) from exc


class ImmediateTransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            # Tortoise's context keeps the process's only connection locked when BEGIN fails;
            # a lock timeout must leave the process able to try again.
            self._trxlock.release()
            raise
        return self.connection


class ImmediateSqliteClient(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return ImmediateTransactionContext(ImmediateTransactionWrapper(self), self._lock)


client_class = ImmediateSqliteClient
