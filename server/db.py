"""Database set-up: the Tortoise configuration, versioned migrations, and readiness.

Every connection is bounded in time, so a database that is down or stuck costs a request a few
seconds and a coded SERVICE_UNAVAILABLE, never a hang: PostgreSQL connections get a connect and a
statement timeout, SQLite a busy timeout and the write-lock-first backend of
`server.sqlite_backend` (several API processes may share one file). Values given in the database
URL's query string win over these defaults."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.executor import MigrationExecutor

APP_LABEL = "models"


@dataclass(frozen=True)
class Timeouts:
    connect_seconds: float = 3.0
    statement_seconds: float = 30.0
    sqlite_busy_seconds: float = 5.0


timeouts = Timeouts()


def configure(new_timeouts: Timeouts) -> None:
    global timeouts
    timeouts = new_timeouts


def connection_config(database_url: str, *, statement_timeout: bool = True) -> dict:
    """Tortoise's connection description of `database_url`, with our timeouts and backend
    (migrations, which may rewrite big tables, get no statement timeout)."""
    if not database_url:
        return {"engine": "server.sqlite_backend", "credentials": {"file_path": ":memory:"}}
    config = expand_db_url(database_url)
    credentials = config["credentials"]
    if config["engine"] == "tortoise.backends.sqlite":
        config["engine"] = "server.sqlite_backend"
        credentials.setdefault("busy_timeout", int(timeouts.sqlite_busy_seconds * 1000))
    elif config["engine"] == "tortoise.backends.asyncpg":
        credentials.setdefault("timeout", timeouts.connect_seconds)
        if statement_timeout:
            credentials.setdefault("command_timeout", timeouts.statement_seconds)
    return config


def tortoise_config(database_url: str, *, statement_timeout: bool = True) -> dict:
    return {
        "connections": {
            "default": connection_config(database_url, statement_timeout=statement_timeout)
        },
        "apps": {
            APP_LABEL: {
                "models": ["domain.models"],
                "migrations": "migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def init(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str) -> None:
    """Apply every migration not yet applied, then initialise Tortoise for queries (the
    migration API initialises apps without building the models' query sets)."""
    await run_migrations(config=tortoise_config(database_url, statement_timeout=False))
    await Tortoise.close_connections()
    await init(database_url)


async def ping() -> None:
    """Raise unless the database answers a trivial query."""
    from tortoise.connection import get_connection

    await get_connection("default").execute_query("SELECT 1")


async def pending_migrations() -> list[str]:
    """Names of migrations the connected database has not applied yet."""
    from tortoise.connection import get_connection

    config = tortoise_config("")["apps"]
    executor = MigrationExecutor(get_connection("default"), config)
    plan = await executor.plan(None)
    return [
        f"{step.migration.app_label}.{step.migration.name}" for step in plan if not step.backward
    ]


# Used by Tortoise's own CLI (`tortoise -c server.db.TORTOISE_ORM makemigrations`): the models
# are the same on every backend, so migrations are generated against an in-memory SQLite.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")
