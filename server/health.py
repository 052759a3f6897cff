"""`/healthz` (the process is up) and `/readyz` (can this process serve, and what is missing).

`/readyz` names the dependency that is down, so an operator is sent the right way:

* database unreachable (or not answering within the timeout) -> 503 `database unreachable`;
* database reachable but migrations pending -> 503 with the `hotel migrate` hint;
* Redis configured but unreachable -> 200 `degraded`: the API still serves everything (budgets
  and log-in throttles count per process, live updates and job wake-ups fall back to polling,
  outbox events wait in their table), so taking the process out of the load balancer would only
  turn a degradation into an outage. The detail says what is degraded.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.outages import RETRY_AFTER_SECONDS
from server import db


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _timeout(request: Request) -> float:
    settings = getattr(request.app.state, "settings", None)
    return settings.dependency_timeout_seconds if settings else 3.0


def _unavailable(dependency: str, reason: str, **extra) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", "dependency": dependency, "reason": reason, **extra},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _redis_problem(request: Request) -> str | None:
    runtime = request.app.state.holder.get("runtime")
    redis = getattr(runtime, "redis", None)
    if redis is None:
        return None
    try:
        await asyncio.wait_for(redis.ping(), _timeout(request))
    except Exception as problem:  # any failure to answer is "unreachable" to the operator
        return f"redis unreachable: {type(problem).__name__}"
    return None


async def readyz(request: Request) -> JSONResponse:
    try:
        await asyncio.wait_for(db.ping(), _timeout(request))
        pending = await asyncio.wait_for(db.pending_migrations(), _timeout(request))
    except Exception as problem:  # the database is down, unreachable or too slow to answer
        return _unavailable("database", f"database unreachable: {type(problem).__name__}")
    if pending:
        return _unavailable(
            "database",
            "migrations not applied: " + ", ".join(pending),
            hint="run `hotel migrate`",
        )
    redis_problem = await _redis_problem(request)
    if redis_problem:
        return JSONResponse(
            {
                "status": "degraded",
                "dependency": "redis",
                "reason": redis_problem,
                "detail": "serving without Redis: per-process request budgets and log-in "
                "throttles, live updates and job wake-ups by polling, outbox events wait "
                "for a worker",
            }
        )
    return JSONResponse({"status": "ready"})
