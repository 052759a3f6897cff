"""`/healthz` (the process is up) and `/readyz` (database reachable, migrations applied)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from server import db


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    try:
        pending = await db.pending_migrations()
    except Exception as problem:  # the database is down or unreachable
        return JSONResponse(
            {"status": "unavailable", "reason": f"database unreachable: {type(problem).__name__}"},
            status_code=503,
        )
    if pending:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": "migrations not applied: " + ", ".join(pending),
                "hint": "run `hotel migrate`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready"})
