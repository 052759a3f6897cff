"""arq `WorkerSettings`: the job functions and their cron schedule, for `hotel worker`."""

from __future__ import annotations

from arq import cron
from arq.connections import RedisSettings

from server import runtime as runtime_module
from server.settings import get_settings
from workers.jobs import JOBS


def _minutes(every_seconds: int) -> set[int] | None:
    step = max(1, every_seconds // 60)
    return None if step == 1 else set(range(0, 60, min(step, 60)))


async def startup(ctx: dict) -> None:
    ctx["runtime"] = await runtime_module.start(get_settings(), apply_migrations=False)
    if not ctx["runtime"].ready:
        raise RuntimeError(ctx["runtime"].not_ready_reason)


async def shutdown(ctx: dict) -> None:
    await runtime_module.stop(ctx["runtime"])


def _cron_jobs():
    jobs = []
    for job in JOBS:
        if job.every_seconds >= 3600:
            jobs.append(cron(job.func, name=job.name, minute={0}, unique=True))
        elif job.every_seconds < 60:
            seconds = set(range(0, 60, max(1, job.every_seconds)))
            jobs.append(cron(job.func, name=job.name, second=seconds, unique=True))
        else:
            jobs.append(
                cron(job.func, name=job.name, minute=_minutes(job.every_seconds), unique=True)
            )
    return jobs


class WorkerSettings:
    functions = [job.func for job in JOBS]
    cron_jobs = _cron_jobs()
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url or "redis://127.0.0.1:6379")
    max_jobs = 10
