"""arq worker settings: the job functions and their cron schedule, for `hotel worker`.

Settings arrive as arguments: the composition root (`server.cli`) passes the Redis address and
how to start and stop the platform's runtime, so `workers/` never imports `server/`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from arq import cron
from arq.connections import RedisSettings

from workers.jobs import JOBS

FUNCTIONS = [job.run for job in JOBS]


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
            "redis_settings": RedisSettings.from_dsn(redis_url),
            "max_jobs": max_jobs,
        },
    )
