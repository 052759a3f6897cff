"""arq worker settings: the job functions and their cron schedule, for `hotel worker`.

Settings arrive as arguments: the composition root (`server.cli`) passes the Redis address and
how to start and stop the platform's runtime, so `workers/` never imports `server/`."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable

from arq import cron
from arq.connections import RedisSettings
from arq.worker import Worker, get_kwargs
from redis import exceptions as redis_errors

from workers.jobs import JOBS

FUNCTIONS = [job.run for job in JOBS]
REDIS_RETRY_SECONDS = 2.0
log = logging.getLogger("hotel.worker")


class ResilientWorker(Worker):
    """arq's worker ends its main loop on the first Redis error, leaving a process that neither
    works nor exits (the runtime it started is never stopped). This one waits for Redis to come
    back instead: the jobs are database sweeps, so nothing is lost while it waits, and the cron
    schedule and the next wake-up catch up once Redis answers again."""

    _redis_down = False

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except (redis_errors.RedisError, OSError) as problem:
            # Connection errors, and what a dropped connection becomes inside a pipeline
            # (WatchError while arq claims a job).
            if not self._redis_down:
                log.warning("redis unreachable, the worker waits for it: %s", problem)
            self._redis_down = True
            await asyncio.sleep(REDIS_RETRY_SECONDS)
        else:
            if self._redis_down:
                log.info("redis reachable again, the worker goes on")
            self._redis_down = False

    async def close(self) -> None:
        # A job the stop signal cancelled ends its task with CancelledError, which arq's close
        # gathers without catching: it then never runs on_shutdown, and the runtime's database
        # threads keep the stopped process alive. The jobs are database sweeps that a later run
        # repeats, so their ends are awaited whatever they were.
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        await super().close()


def _waiting_for_redis(settings: RedisSettings) -> RedisSettings:
    """A worker started while Redis is down waits for it (an hour, retrying every two seconds)
    instead of giving up after five seconds."""
    settings.conn_retries = 1800
    settings.conn_retry_delay = 2
    return settings


def run(settings_cls: type) -> None:
    """`hotel worker`: arq's `run_worker` with the worker that survives Redis outages."""
    try:
        ResilientWorker(**get_kwargs(settings_cls)).run()
    except (Exception, asyncio.CancelledError):
        # The runtime the worker started was not stopped, and its threads would keep a worker
        # that does nothing alive: exit, so the supervisor starts a new one.
        log.exception("the worker stopped on an error")
        os._exit(1)


def _minutes(every_seconds: int) -> set[int] | None:
    step = max(1, every_seconds // 60)
    return None if step == 1 else set(range(0, 60, min(step, 60)))


def cron_jobs() -> list:
    jobs = []
    for job in JOBS:
        if job.every_seconds >= 3600:
            jobs.append(cron(job.run, name=job.name, minute={0}, unique=True))
        elif job.every_seconds < 60:
            seconds = set(range(0, 60, max(1, job.every_seconds)))
            jobs.append(cron(job.run, name=job.name, second=seconds, unique=True))
        else:
            jobs.append(
                cron(job.run, name=job.name, minute=_minutes(job.every_seconds), unique=True)
            )
    return jobs


def worker_settings(
    redis_url: str,
    on_startup: Callable[[dict], Awaitable[None]],
    on_shutdown: Callable[[dict], Awaitable[None]],
    *,
    max_jobs: int = 10,
) -> type:
    """The `WorkerSettings` class arq's `run_worker` expects, built from the given settings."""
    return type(
        "WorkerSettings",
        (),
        {
            "functions": FUNCTIONS,
            "cron_jobs": cron_jobs(),
            "on_startup": staticmethod(on_startup),
            "on_shutdown": staticmethod(on_shutdown),
            "redis_settings": _waiting_for_redis(RedisSettings.from_dsn(redis_url)),
            "max_jobs": max_jobs,
        },
    )
