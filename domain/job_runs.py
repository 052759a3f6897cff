"""The heartbeat of the background jobs (issue 12, observability): each run's outcome is kept in
`job_run`, at most every `HEARTBEAT_SECONDS` per job and process for successes (the outbox job
runs after every booking: a write per run would cost more than the job) and always for failures.
`lag` is what `/metrics` reports and what operators alert on."""

from __future__ import annotations

import datetime as dt
import time

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from domain.clock import clock
from domain.models import JobRun

HEARTBEAT_SECONDS = 15.0
_last_written: dict[str, float] = {}
_pending_runs: dict[str, int] = {}


async def record(name: str, *, seconds: float, error: BaseException | None = None) -> None:
    """Note one run of job `name`; cheap when nothing needs writing."""
    now_mono = time.monotonic()
    _pending_runs[name] = _pending_runs.get(name, 0) + 1
    if error is None and now_mono - _last_written.get(name, -1e9) < HEARTBEAT_SECONDS:
        return
    runs = _pending_runs.pop(name, 1)
    _last_written[name] = now_mono
    now = clock.now()
    changes: dict = {"last_seconds": seconds, "runs": F("runs") + runs}
    if error is None:
        changes["last_ok_at"] = now
    else:
        changes.update(
            last_failed_at=now, last_error=type(error).__name__[:120], failures=F("failures") + 1
        )
    if await JobRun.filter(name=name).update(**changes):
        return
    fresh = {k: v for k, v in changes.items() if k not in ("runs", "failures")}
    try:
        await JobRun.create(name=name, runs=runs, failures=int(error is not None), **fresh)
    except IntegrityError:  # another process wrote the first row meanwhile
        await JobRun.filter(name=name).update(**changes)


def forget() -> None:
    """Tests start from an empty table: what this process wrote belonged to the wiped one."""
    _last_written.clear()
    _pending_runs.clear()


async def lags(now: dt.datetime | None = None) -> dict[str, tuple[float | None, JobRun]]:
    """Seconds since each recorded job last succeeded (None: it never has)."""
    now = now or clock.now()
    return {
        row.name: ((now - row.last_ok_at).total_seconds() if row.last_ok_at else None, row)
        for row in await JobRun.all()
    }
