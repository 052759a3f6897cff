"""The in-process job runner used when `REDIS_URL` is unset: the same job functions as the arq
worker, on the same schedule, inside the API process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from domain import outbox
from workers.jobs import JOBS, Job

log = logging.getLogger("hotel.jobs")


class InProcessRunner:
    def __init__(self, jobs: list[Job], tick_seconds: float) -> None:
        self.jobs = jobs
        self.tick_seconds = tick_seconds
        self._last_run: dict[str, float] = {}
        self._task: asyncio.Task | None = None
        self._poked: set[str] = set()
        self._wake = asyncio.Event()

    def poke(self, job_name: str) -> None:
        """Run this job at the next turn of the loop instead of waiting for its interval."""
        self._poked.add(job_name)
        self._wake.set()

    async def run_due(self, *, force: bool = False) -> dict[str, object]:
        """Run every job whose interval has passed (all of them with `force`)."""
        results: dict[str, object] = {}
        now = time.monotonic()
        for job in self.jobs:
            last = self._last_run.get(job.name)
            poked = job.name in self._poked
            if force or poked or last is None or now - last >= job.every_seconds:
                self._poked.discard(job.name)
                self._last_run[job.name] = now
                try:
                    results[job.name] = await job.run({})
                except Exception:
                    log.exception("job failed", extra={"job": job.name})
                    results[job.name] = None
        return results

    async def _loop(self) -> None:
        while True:
            await self.run_due()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.tick_seconds)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def start_in_process_runner(runtime) -> None:
    settings = runtime.settings
    if settings.redis_url or not settings.run_jobs_in_process or not runtime.ready:
        return
    runner = InProcessRunner(JOBS, settings.job_tick_seconds)
    runner.start()
    runtime.job_runner = runner

    async def deliver_soon() -> None:
        runner.poke("deliver_outbox")

    # A committed booking's voucher and PMS event go out at once, not at the next tick.
    outbox.set_wakeup(deliver_soon)
