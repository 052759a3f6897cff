"""`GET /metrics`: Prometheus text for operators (issue 12, observability), protected from the
public by a bearer token (`METRICS_TOKEN`; without one the endpoint does not exist, in every mode).

What it shows, besides what the processes counted (GraphQL operations by name with latency and
errors by code in `schema.telemetry`, job runs in `workers.telemetry`), is read from the database
when scraped, so any API process answers for the whole installation:

* `hotel_outbox_backlog{destination,status}` and `hotel_outbox_oldest_pending_seconds`;
* `hotel_job_lag_seconds{job}` (since the job last succeeded) beside `hotel_job_interval_seconds`;
* `hotel_audit_unsealed_entries` and `hotel_audit_seal_lag_seconds` (age of the oldest entry not
  yet sealed);
* `hotel_db_pool_connections{state}` of the process that answers.

With several API processes (`hotel serve --workers N`) the counters are kept in
`PROMETHEUS_MULTIPROC_DIR` (set by `hotel serve`), so every scrape sums all processes.
"""

from __future__ import annotations

import asyncio
import hmac
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from tortoise import Tortoise
from tortoise.functions import Count, Min

from domain import job_runs
from domain.clock import clock
from domain.models import AuditEntry, AuditSeal, OutboxEvent
from server.middleware import error_response
from workers.jobs import JOBS

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _authorised(request: Request) -> bool | None:
    """None: metrics are off (no token configured); else whether the bearer token matches."""
    token = request.app.state.settings.metrics_token
    if not token:
        return None
    sent = request.headers.get("authorization", "")
    scheme, _, value = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode())


async def metrics(request: Request) -> Response:
    allowed = _authorised(request)
    if allowed is None:
        return error_response(404, "NOT_FOUND", "Not found.")
    if not allowed:
        return error_response(
            401, "UNAUTHENTICATED", "Metrics need the metrics token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    timeout = request.app.state.settings.dependency_timeout_seconds
    try:
        families = await asyncio.wait_for(database_families(), timeout)
    except Exception:  # the database is down: the process counters still answer
        families = [_gauge("hotel_metrics_database_up", "Whether /metrics could read the "
                           "database.", 0)]
    else:
        families.append(_gauge("hotel_metrics_database_up", "Whether /metrics could read the "
                               "database.", 1))
    families.extend(pool_families())
    body = generate_latest(_process_registry()) + generate_latest(_Families(families))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _process_registry():
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


class _Families:
    """A registry-like holder of metric families computed for one scrape."""

    def __init__(self, families: list) -> None:
        self.families = families

    def collect(self):
        return iter(self.families)


def _gauge(name: str, documentation: str, value: float, labels: dict | None = None):
    family = GaugeMetricFamily(name, documentation, labels=list(labels or ()))
    family.add_metric(list((labels or {}).values()), value)
    return family


async def database_families() -> list:
    now = clock.now()
    backlog = GaugeMetricFamily(
        "hotel_outbox_backlog", "Outbox events not delivered, by destination and status.",
        labels=["destination", "status"],
    )
    rows = (
        await OutboxEvent.exclude(status="DELIVERED")
        .annotate(n=Count("id"))
        .group_by("destination", "status")
        .values("destination", "status", "n")
    )
    for row in rows:
        backlog.add_metric([row["destination"], row["status"]], row["n"])
    oldest = (
        await OutboxEvent.filter(status="PENDING").annotate(at=Min("created_at")).values("at")
    )
    oldest_at = oldest[0]["at"] if oldest else None
    families = [
        backlog,
        _gauge(
            "hotel_outbox_oldest_pending_seconds",
            "Age of the oldest outbox event still waiting to be delivered (0: none waits).",
            (now - oldest_at).total_seconds() if oldest_at else 0,
        ),
    ]
    families.extend(await _job_families(now))
    families.extend(await _audit_families(now))
    return families


async def _job_families(now) -> list:
    lag = GaugeMetricFamily(
        "hotel_job_lag_seconds",
        "Seconds since the job last succeeded; alert when it exceeds twice its interval.",
        labels=["job"],
    )
    interval = GaugeMetricFamily(
        "hotel_job_interval_seconds", "How often the job is meant to run.", labels=["job"]
    )
    failures = GaugeMetricFamily(
        "hotel_job_failed_recently", "1 when the job's latest recorded run failed.",
        labels=["job"],
    )
    recorded = await job_runs.lags(now)
    for job in JOBS:
        interval.add_metric([job.name], job.every_seconds)
        seconds, row = recorded.get(job.name, (None, None))
        if seconds is not None:
            lag.add_metric([job.name], max(seconds, 0))
        if row is not None:
            failed = bool(row.last_failed_at and (not row.last_ok_at
                                                   or row.last_failed_at > row.last_ok_at))
            failures.add_metric([job.name], int(failed))
    return [lag, interval, failures]


async def _audit_families(now) -> list:
    last = await AuditSeal.all().order_by("-number").first().values("last_entry_id")
    sealed_through = last["last_entry_id"] if last else 0
    unsealed = AuditEntry.filter(id__gt=sealed_through)
    stats = await unsealed.annotate(n=Count("id"), at=Min("at")).values("n", "at")
    count = stats[0]["n"] if stats else 0
    oldest = stats[0]["at"] if stats and count else None
    return [
        _gauge("hotel_audit_unsealed_entries", "Audit entries not yet in a signed seal.", count),
        _gauge(
            "hotel_audit_seal_lag_seconds",
            "Age of the oldest audit entry not yet sealed (0: all are sealed).",
            (now - oldest).total_seconds() if oldest else 0,
        ),
    ]


def pool_families() -> list:
    """Connections of this process's database pool (asyncpg); SQLite has one connection."""
    family = GaugeMetricFamily(
        "hotel_db_pool_connections",
        "Database connections of the answering process, by state.",
        labels=["state", "pid"],
    )
    pid = str(os.getpid())
    try:
        client = Tortoise.get_connection("default")
    except Exception:
        return [family]
    pool = getattr(client, "_pool", None)
    if pool is not None and hasattr(pool, "get_size"):
        size, idle = pool.get_size(), pool.get_idle_size()
        family.add_metric(["in_use", pid], size - idle)
        family.add_metric(["idle", pid], idle)
        family.add_metric(["max", pid], pool.get_max_size())
    else:
        family.add_metric(["max", pid], 1)
    return [family]
