"""Every job run is measured the same way, whoever runs it (the arq worker, the in-process
runner, `hotel run-due`): a Prometheus count and duration per job and outcome, the job's
heartbeat row (`domain.job_runs`, from which `/metrics` computes job lag), and an
OpenTelemetry span when tracing is configured."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Awaitable, Callable

from opentelemetry import trace
from prometheus_client import Counter, Histogram

from domain import job_runs

RUNS = Counter(
    "hotel_job_runs_total", "Background job runs by job and outcome.", ["job", "outcome"]
)
DURATION = Histogram(
    "hotel_job_seconds",
    "How long each background job run took.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
tracer = trace.get_tracer("hotel.jobs")


def instrumented(name: str, func: Callable[[dict], Awaitable[object]]):
    """`func` (an arq job) measured under `name`; its arq name (`__qualname__`) is kept."""

    @functools.wraps(func)
    async def run(ctx: dict) -> object:
        started = time.perf_counter()
        with tracer.start_as_current_span(f"job {name}") as span:
            span.set_attribute("hotel.job", name)
            try:
                result = await func(ctx)
            except BaseException as error:
                seconds = time.perf_counter() - started
                RUNS.labels(name, "error").inc()
                DURATION.labels(name).observe(seconds)
                if isinstance(error, Exception):
                    await _heartbeat(name, seconds, error)
                raise
        seconds = time.perf_counter() - started
        RUNS.labels(name, "ok").inc()
        DURATION.labels(name).observe(seconds)
        await _heartbeat(name, seconds, None)
        return result

    return run


async def _heartbeat(name: str, seconds: float, error: Exception | None) -> None:
    # The heartbeat never turns a finished job into a failed one (the database may be down).
    with contextlib.suppress(Exception):
        await job_runs.record(name, seconds=seconds, error=error)
