"""Start and stop the platform's moving parts in one place, for the app's lifespan, the worker,
the CLI and the tests alike: database, secrets, Redis-backed counters and broker, the enforcer,
and the in-process job runner.

Redis is optional at run time even when configured: nothing here waits for it. Its clients
connect lazily (each command reconnects by itself, with short timeouts), the counters fall back to
per-process ones and wake-ups to polling while it is down, so the API starts and serves without
it and picks it up again when it returns."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from authz import credentials, matrix, passwords, ratelimit, sessions, socket_slots, tokens
from authz.enforcer import enforcer
from domain import broker, i18n, outbox, sale_calendar
from domain.clock import clock
from domain.outages import SharedOrLocal
from schema.types import relay
from server import db, tracing
from server.archive import configure_archive
from server.audit import configure_audit
from server.messaging import configure_messaging
from server.privacy import configure_personal_data, prepare_data_dir
from server.settings import Settings

log = logging.getLogger("hotel.runtime")
# How many API processes `hotel serve` started (set by it for each of them).
API_PROCESSES_ENV = "HOTEL_API_PROCESSES"


@dataclass
class Runtime:
    settings: Settings
    ready: bool = False
    not_ready_reason: str | None = None
    redis: object | None = None
    job_runner: object | None = None
    extras: dict = field(default_factory=dict)


def configure_domain(settings: Settings) -> None:
    db.configure(
        db.Timeouts(
            connect_seconds=settings.dependency_timeout_seconds,
            statement_seconds=settings.database_statement_timeout_seconds,
            sqlite_busy_seconds=settings.sqlite_busy_timeout_seconds,
        )
    )
    clock.hotel_timezone = ZoneInfo(settings.hotel_timezone)
    # Development only (refused in production): every process of the deployment reads the
    # same settings, so the API and its workers agree on the moved time.
    offset = settings.resolved_clock_offset()
    if offset:
        clock.set_base_offset(offset)
        log.warning("the clock runs off the wall clock", extra={"offset": str(offset)})
    i18n.configure(settings.default_language)
    # Nights kept for `availability` are as fresh as the announcements this process hears:
    # without Redis, only a process serving alone hears every change.
    alone = os.environ.get(API_PROCESSES_ENV, "1").strip() in ("", "0", "1")
    keeps = bool(settings.redis_url) or alone
    sale_calendar.calendar.keep_seconds = sale_calendar.KEEP_SECONDS if keeps else 0
    tokens.configure(
        tokens.TokenSettings(
            secret_key=settings.resolved_secret_key(),
            access_minutes=settings.access_token_minutes,
            refresh_days=settings.refresh_token_days,
            identity_cache_seconds=settings.identity_cache_seconds,
        )
    )
    sessions.configure(
        sessions.ThrottleSettings(
            max_failures_per_address=settings.login_max_failures_per_address,
            max_failures_per_pair=settings.login_max_failures_per_pair,
            account_soft_threshold=settings.login_account_soft_threshold,
            delay_base_seconds=settings.login_delay_base_seconds,
            delay_max_seconds=settings.login_delay_max_seconds,
            window_seconds=settings.login_throttle_window_seconds,
        )
    )
    credentials.configure(
        credentials.CredentialSettings(
            email_verification_hours=settings.email_verification_hours,
            password_reset_minutes=settings.password_reset_minutes,
            booking_claim_minutes=settings.booking_claim_minutes,
            requests_per_address=settings.account_requests_per_address,
            requests_per_email=settings.account_requests_per_email,
        )
    )
    passwords.configure(
        workers=settings.password_hash_workers, test_environment=settings.env == "test"
    )
    relay.configure(settings.max_page_size)
    for hook in EXTRA_CONFIGURE:
        hook(settings)


# Areas that need settings at start (e.g. the voucher signing secret) register here.
EXTRA_CONFIGURE: list = [
    configure_personal_data, configure_archive, configure_audit, configure_messaging,
]


async def bootstrap_data() -> None:
    """Rows every installation needs: the default permission grants."""
    await matrix.sync_defaults()


async def start(settings: Settings, *, apply_migrations: bool) -> Runtime:
    runtime = Runtime(settings=settings)
    prepare_data_dir(settings)
    tracing.configure(settings)
    configure_domain(settings)
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

        runtime.redis = Redis.from_url(settings.redis_url, **redis_timeouts(settings))
        ratelimit.use(ratelimit.FallbackCounter(ratelimit.RedisCounter(runtime.redis)))
        socket_slots.use(
            SharedOrLocal(
                socket_slots.RedisSocketSlots(runtime.redis),
                socket_slots.MemorySocketSlots(),
                "redis socket slots",
            )
        )
        subscriber = Redis.from_url(
            settings.redis_url, socket_connect_timeout=settings.dependency_timeout_seconds
        )
        broker.use(broker.RedisBroker(subscriber, timeout=settings.dependency_timeout_seconds))
        _wake_workers_through_arq(runtime)
    else:
        ratelimit.use(ratelimit.MemoryCounter())
        socket_slots.use(socket_slots.MemorySocketSlots())
        broker.use(broker.InProcessBroker())
    runtime.ready = True
    return runtime


def redis_timeouts(settings: Settings) -> dict:
    """A Redis that does not answer costs a request this long at most, never a hang."""
    return {
        "socket_connect_timeout": settings.dependency_timeout_seconds,
        "socket_timeout": settings.dependency_timeout_seconds,
    }


def _wake_workers_through_arq(runtime: Runtime) -> None:
    """With Redis, a commit that wrote outbox events enqueues a delivery run for the arq
    workers right away (at most one per second); the cron schedule catches anything missed.
    The arq client is made without arq's `create_pool`, which pings and gives up at start: it
    connects on first use, and while Redis is down the events wait in their table (the wake-up
    is skipped for a back-off, so commits are not slowed by connection attempts)."""
    import time

    from arq.connections import ArqRedis

    from domain.outages import Breaker

    pool = ArqRedis.from_url(runtime.settings.redis_url, **redis_timeouts(runtime.settings))
    runtime.extras["arq"] = pool
    breaker = Breaker("redis job queue")

    async def deliver_soon() -> None:
        await breaker.call(
            lambda: pool.enqueue_job(
                "deliver_outbox", _job_id=f"deliver_outbox:{int(time.time())}"
            )
        )

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
    tracing.flush()
