"""CPU cost per request of each bench workload, and a pyinstrument profile of one, measured
in process (the ASGI app behind httpx's ASGI transport, one request at a time), so the numbers
do not depend on what the neighbours of a shared machine do with the cores.

    python bench/profile_requests.py --data-dir /tmp/benchdata --requests 200 \\
        --profile bookings --out bench/results/profile-bookings.txt

Uses the data set `bench/bench.py --data-dir DIR` loaded (DATABASE_URL and REDIS_URL as it
ran). Prints CPU milliseconds per request of every workload and its ratio to the anonymous
`{ __typename }`: the inverse of the req/s ratio a CPU-bound server reaches.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pyload import AVAILABILITY, BOOKINGS, CANCEL, CREATE  # noqa: E402

WORKLOADS = ("anonymous", "typename", "availability", "create", "bookings", "cancel")


class _StatementCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs (and keeps the first few)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.samples) < 200:
            self.samples.append(record.getMessage()[:160])


async def measure(args) -> dict:
    import httpx

    from server.app import create_app

    app = create_app()
    rng = random.Random(5)
    today = dt.date.today()
    results: dict[str, dict] = {}
    report = ""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def post(query, variables=None, token=None):
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                reply = await client.post("/graphql", json={"query": query,
                                                             "variables": variables or {}},
                                          headers=headers)
                assert reply.status_code == 200, reply.text
                return reply.json()

            login = await post(
                "mutation { login(input: {email: \"agent@demo.hotel\", password: "
                "\"demo-pass-2026\"}) { accessToken } }")
            token = login["data"]["login"]["accessToken"]
            catalogue = (await post("{ bookingTerms { version } roomTypes { id code } }",
                                    token=token))["data"]
            terms = catalogue["bookingTerms"]["version"]
            room_types = [r["id"] for r in catalogue["roomTypes"] if not r["code"].startswith("B")]
            created: list[str] = []

            def request(kind: str, n: int):
                start = today + dt.timedelta(days=rng.randint(2, 330))
                if kind == "anonymous":
                    return "{ __typename }", None, None
                if kind == "typename":
                    return "{ __typename }", None, token
                if kind == "availability":
                    end = start + dt.timedelta(days=rng.randint(1, 14))
                    return AVAILABILITY, {"a": start.isoformat(), "b": end.isoformat()}, token
                if kind == "bookings":
                    return BOOKINGS, None, token
                if kind == "cancel":
                    return CANCEL, {"id": created.pop()}, token
                end = start + dt.timedelta(days=rng.randint(1, 3))
                return CREATE, {"i": {
                    "channel": "PHONE", "roomTypeId": rng.choice(room_types),
                    "checkIn": start.isoformat(), "checkOut": end.isoformat(), "guests": 1,
                    "acceptedTermsVersion": terms,
                    "guest": {"fullName": f"Profile Guest {n}",
                              "phone": f"+8613700{n:06d}"}}}, token

            for kind in args.workloads:
                count = min(args.requests, len(created)) if kind == "cancel" else args.requests
                for n in range(min(10, count)):  # warm the caches
                    if kind != "cancel":
                        await post(*request(kind, n))
                profiler = None
                if kind == args.profile and args.cprofile:
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                elif kind == args.profile:
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.0005, async_mode="disabled")
                    profiler.start()
                statements = _StatementCounter()
                db_log = logging.getLogger("tortoise.db_client")
                db_log.addHandler(statements)
                db_log.setLevel(logging.DEBUG)
                cpu, wall = time.process_time(), time.perf_counter()
                for n in range(count):
                    body = await post(*request(kind, 10_000 + n))
                    if kind == "create":
                        booking = body["data"]["createBooking"]["booking"]
                        if booking:
                            created.append(booking["id"])
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                db_log.removeHandler(statements)
                db_log.setLevel(logging.WARNING)
                if profiler is not None and args.cprofile:
                    import io
                    import pstats

                    profiler.disable()
                    text = io.StringIO()
                    stats = pstats.Stats(profiler, stream=text).strip_dirs()
                    stats.sort_stats("tottime").print_stats(45)
                    stats.sort_stats("cumulative").print_stats(60)
                    report = text.getvalue()
                elif profiler is not None:
                    profiler.stop()
                    report = profiler.output_text(unicode=True, show_all=False,
                                                  timeline=False)
                results[kind] = {"requests": count,
                                 "cpu_ms": round(1000 * cpu / max(count, 1), 2),
                                 "wall_ms": round(1000 * wall / max(count, 1), 2),
                                 "sql_per_request": round(statements.count / max(count, 1), 1)}
                if args.show_sql and kind in args.show_sql:
                    print(kind, *statements.samples[:60], sep="\n  ")
    if args.profile:
        await asyncio.to_thread(Path(args.out).write_text, report)
    base = results.get("anonymous", {}).get("cpu_ms")
    for row in results.values():
        row["cpu_ratio"] = round(base / row["cpu_ms"], 3) if base and row["cpu_ms"] else None
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--profile", choices=WORKLOADS, default=None)
    parser.add_argument("--out", default="profile.txt")
    parser.add_argument("--show-sql", nargs="*", default=(),
                        help="print the first statements of these workloads")
    parser.add_argument("--cprofile", action="store_true",
                        help="cProfile (CPU self time per function) instead of pyinstrument")
    args = parser.parse_args()
    args.requests = max(1, min(args.requests, 5000))
    os.environ.update({"DATA_DIR": args.data_dir, "ENV": "development",
                       "BUDGET_STAFF_PER_MINUTE": "100000000",
                       "BUDGET_ANONYMOUS_PER_MINUTE": "100000000"})
    results = asyncio.run(measure(args))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
