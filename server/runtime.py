"""Start and stop the platform's moving parts in one place, for the app's lifespan, the worker,
the CLI and the tests alike: database, secrets, Redis-backed counters and broker, the enforcer,
and the in-process job runner."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from authz import matrix, passwords, ratelimit, sessions, tokens
from authz.enforcer import enforcer
from domain import audit, broker, outbox
from domain.clock import clock
from schema import relay
from server import db
from server.archive import configure_archive
from server.messaging import configure_messaging
from server.settings import Settings

log = logging.getLogger("hotel.runtime")


@dataclass
class Runtime:
    settings: Settings
    ready: bool = False
    not_ready_reason: str | None = None
    redis: object | None = None
    job_runner: object | None = None
    extras: dict = field(default_factory=dict)


def configure_domain(settings: Settings) -> None:
    clock.hotel_timezone = ZoneInfo(settings.hotel_timezone)
    tokens.configure(
        tokens.TokenSettings(
            secret_key=settings.resolved_secret_key(),
            access_minutes=settings.access_token_minutes,
            refresh_days=settings.refresh_token_days,
        )
    )
    sessions.configure(
        sessions.ThrottleSettings(
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_address=settings.login_max_failures_per_address,
            window_seconds=settings.login_throttle_window_seconds,
        )
    )
    relay.configure(settings.max_page_size)
    passwords.configure(test_environment=settings.env == "test")
    for hook in EXTRA_CONFIGURE:
        hook(settings)


# Areas that need settings at start (e.g. the voucher signing secret) register here.
EXTRA_CONFIGURE: list = [configure_archive, configure_messaging]


async def bootstrap_data() -> None:
    """Rows every installation needs: the audit chain head and the default permission grants."""
    await audit.ensure_head()
    await matrix.sync_defaults()


async def start(settings: Settings, *, apply_migrations: bool) -> Runtime:
    runtime = Runtime(settings=settings)
    configure_domain(settings)
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if apply_migrations:
        await db.migrate(settings.effective_database_url)
    else:
        await db.init(settings.effective_database_url)
    pending = await db.pending_migrations()
    if pending:
        runtime.not_ready_reason = "migrations not applied: " + ", ".join(pending)
        log.error("refusing to serve", extra={"reason": runtime.not_ready_reason})
        return runtime
    await bootstrap_data()
    await enforcer.refresh(force=True)
    if settings.redis_url:
        from redis.asyncio import Redis

        runtime.redis = Redis.from_url(settings.redis_url)
        ratelimit.use(ratelimit.RedisCounter(runtime.redis))
        broker.use(broker.RedisBroker(Redis.from_url(settings.redis_url)))
        await _wake_workers_through_arq(runtime)
    else:
        ratelimit.use(ratelimit.MemoryCounter())
        broker.use(broker.InProcessBroker())
    runtime.ready = True
    return runtime


async def _wake_workers_through_arq(runtime: Runtime) -> None:
    """With Redis, a commit that wrote outbox events enqueues a delivery run for the arq
    workers right away (at most one per second); the cron schedule catches anything missed."""
    import time

    from arq import create_pool
    from arq.connections import RedisSettings

    pool = await create_pool(RedisSettings.from_dsn(runtime.settings.redis_url))
    runtime.extras["arq"] = pool

    async def deliver_soon() -> None:
        await pool.enqueue_job("deliver_outbox", _job_id=f"deliver_outbox:{int(time.time())}")

    outbox.set_wakeup(deliver_soon)


async def stop(runtime: Runtime) -> None:
    outbox.set_wakeup(None)
    if "arq" in runtime.extras:
        await runtime.extras.pop("arq").aclose()
    if runtime.job_runner is not None:
        await runtime.job_runner.stop()
    await broker.broker.close()
    if runtime.redis is not None:
        await runtime.redis.aclose()
    await db.close()
