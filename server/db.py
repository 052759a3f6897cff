"""Database set-up: the Tortoise configuration, versioned migrations, and readiness."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.executor import MigrationExecutor

APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict:
    return {
        "connections": {"default": database_url},
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
    await run_migrations(config=tortoise_config(database_url))
    await Tortoise.close_connections()
    await init(database_url)


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
