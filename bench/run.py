"""Benchmark harness: start the API as an operator would, drive it over HTTP with concurrent
clients, and report throughput and latency per operation, plus an overbooking check.

    .venv/bin/python bench/run.py                       # embedded default, temporary DATA_DIR
    .venv/bin/python bench/run.py --clients 32 --seconds 20
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/run.py --workers 2

Only loopback is targeted, every loop is bounded in count and time, and the server it started
is stopped at the end. Results are printed as a table and written as JSON (--out).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "demo-pass-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, data_dir: str, extra: tuple[str, ...] = ()
                 ) -> subprocess.Popen:
    # All bench clients share one demo account: lift its request budget so the run measures
    # the API, not the rate limiter (a refused request would count as an error below).
    env = {**os.environ, "DATA_DIR": data_dir, "ENV": "development",
           "BUDGET_STAFF_PER_MINUTE": "1000000"}
    return subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--workers", str(workers),
         *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def wait_ready(base: str, deadline_seconds: float = 120) -> None:
    async with httpx.AsyncClient() as client:
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise RuntimeError("the server did not become ready")


class Session:
    def __init__(self, client: httpx.AsyncClient, base: str) -> None:
        self.client, self.base, self.token = client, base, None

    async def gql(self, query: str, variables: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        reply = await self.client.post(
            f"{self.base}/graphql",
            headers=headers,
            json={"query": query, "variables": variables or {}},
        )
        if reply.status_code != 200:
            raise RuntimeError(f"HTTP {reply.status_code}")
        return reply.json()

    async def login(self, email: str) -> None:
        body = await self.gql(
            "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
            "{ accessToken errors { code } } }",
            {"e": email, "p": PASSWORD},
        )
        self.token = body["data"]["login"]["accessToken"]


AVAILABILITY = """query($a: Date!, $b: Date!) { availability(checkIn: $a, checkOut: $b) {
  available totalAmount roomType { code } } }"""
BOOKINGS = """{ bookings(first: 20) { totalCount edges { node { number status
  roomType { code } guest { fullName } } } } }"""
TERMS = "{ bookingTerms { version } roomTypes { id code capacity } }"
CREATE = """mutation($i: CreateBookingInput!) { createBooking(input: $i) {
  booking { id number } errors { code field } } }"""
CANCEL = """mutation($id: ID!) { cancelBooking(input: {bookingId: $id, reason: "bench"}) {
  booking { status } errors { code } } }"""


async def run(args) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="hotel-bench-")
    server = start_server(port, args.workers, data_dir)
    timings: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    refused: dict[str, int] = {}  # createBooking payload errors by code (sold-out nights...)
    try:
        await wait_ready(base)
        limits = httpx.Limits(max_connections=args.clients * 2)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            setup = Session(client, base)
            await setup.login("agent@demo.hotel")
            catalogue = (await setup.gql(TERMS))["data"]
            terms, room_types = catalogue["bookingTerms"]["version"], catalogue["roomTypes"]
            today = dt.date.today()

            async def timed(name: str, call) -> dict | None:
                started = time.perf_counter()
                try:
                    result = await call
                except Exception:
                    errors[name] = errors.get(name, 0) + 1
                    return None
                timings.setdefault(name, []).append(time.perf_counter() - started)
                return result

            async def client_loop(index: int) -> None:
                me = Session(client, base)
                await me.login("agent@demo.hotel")
                end = time.monotonic() + args.seconds
                n = 0
                while time.monotonic() < end and n < args.max_ops:
                    n += 1
                    start = today + dt.timedelta(days=7 + (index * 7 + n) % 200)
                    stay = {"a": start.isoformat(), "b": (start + dt.timedelta(days=2)).isoformat()}
                    await timed("availability", me.gql(AVAILABILITY, stay))
                    await timed("bookings list", me.gql(BOOKINGS))
                    room_type = room_types[(index + n) % len(room_types)]
                    created = await timed(
                        "createBooking",
                        me.gql(
                            CREATE,
                            {
                                "i": {
                                    "channel": "PHONE",
                                    "roomTypeId": room_type["id"],
                                    "checkIn": stay["a"],
                                    "checkOut": stay["b"],
                                    "guests": 1,
                                    "acceptedTermsVersion": terms,
                                    "guest": {
                                        "fullName": f"Bench Guest {index}-{n}",
                                        "phone": f"+86138{index:04d}{n % 10000:04d}",
                                    },
                                }
                            },
                        ),
                    )
                    payload = ((created or {}).get("data") or {}).get("createBooking") or {}
                    for problem in payload.get("errors", []):
                        refused[problem["code"]] = refused.get(problem["code"], 0) + 1
                    booking = payload.get("booking")
                    if booking and n % 2 == 0:
                        await timed("cancelBooking", me.gql(CANCEL, {"id": booking["id"]}))

            started = time.perf_counter()
            await asyncio.gather(*(client_loop(i) for i in range(args.clients)))
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    mismatches = await inventory_mismatches(data_dir)
    report = {
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(elapsed, 2),
        "database": os.environ.get("DATABASE_URL", "sqlite (embedded)").split("@")[-1],
        "operations": {},
        "errors": errors,
        "refused_bookings": refused,
        "inventory_mismatches": mismatches,
    }
    for name, values in timings.items():
        values.sort()
        report["operations"][name] = {
            "count": len(values),
            "per_second": round(len(values) / elapsed, 1),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(values[int(len(values) * 0.95) - 1] * 1000, 1),
            "max_ms": round(values[-1] * 1000, 1),
        }
    return report


MISMATCHES = """SELECT COUNT(*) FROM inventory_night i LEFT JOIN (
      SELECT room_type_id, date, COUNT(*) AS held FROM booking_night
      GROUP BY room_type_id, date) b
    ON b.room_type_id = i.room_type_id AND b.date = i.date
    WHERE i.sold != COALESCE(b.held, 0) OR i.sold > i.capacity"""


async def inventory_mismatches(data_dir: str) -> int:
    """Nights whose sold counter differs from the nights bookings hold (must be 0)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        import asyncpg

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            return await connection.fetchval(MISMATCHES)
        finally:
            await connection.close()
    import sqlite3

    with sqlite3.connect(Path(data_dir) / "hotel.sqlite3") as db:
        return db.execute(MISMATCHES).fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-ops", type=int, default=500, help="per client, a hard bound")
    parser.add_argument("--workers", type=int, default=1, help="API processes")
    parser.add_argument("--out", default=None, help="write the report as JSON here")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(
        f"{report['clients']} clients, {report['workers']} API process(es), "
        f"{report['seconds']} s, {report['database']}"
    )
    print(f"{'operation':<16}{'count':>8}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, row in report["operations"].items():
        print(
            f"{name:<16}{row['count']:>8}{row['per_second']:>9}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['max_ms']:>9}"
        )
    if report["errors"]:
        print("errors:", report["errors"])
    print("createBooking refused (payload errors):", report["refused_bookings"] or "none")
    print("inventory mismatches (must be 0):", report["inventory_mismatches"])
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    return 1 if report["errors"] or report["inventory_mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
