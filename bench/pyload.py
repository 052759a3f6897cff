"""The Python load generator `bench/bench.py` uses when `wrk` is not installed: the same
workloads as `bench/wrk/graphql.lua`, from asyncio + httpx in a process of its own, printing one
`WRK_JSON {...}` line with the same fields.

    python bench/pyload.py URL WORKLOAD TOKEN ROOM_TYPE_IDS TERMS SEED CONNECTIONS SECONDS

Bounded in time (SECONDS) and count (at most 1,000,000 requests per connection); it refuses
any URL that is not loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import sys
import time
from urllib.parse import urlsplit

import httpx

AVAILABILITY = ("query($a: Date!, $b: Date!) { availability(checkIn: $a, checkOut: $b) "
                "{ available totalAmount roomType { code } } }")
BOOKINGS = ("{ bookings(first: 50) { totalCount edges { node { id number status checkIn "
            "checkOut totalAmount roomType { code name } guest { fullName } member "
            "{ memberNumber } } } } }")
CREATE = ("mutation($i: CreateBookingInput!) { createBooking(input: $i) "
          "{ booking { id number } errors { code field } } }")
CANCEL = ('mutation($id: ID!) { cancelBooking(input: {bookingId: $id, reason: "bench"}) '
          "{ booking { status } errors { code } } }")
LOGIN = ("mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
         "{ accessToken errors { code } } }")
MAX_REQUESTS = 1_000_000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


async def run(url, workload, token, room_types, terms, seed, connections, seconds) -> dict:
    if urlsplit(url).hostname not in LOOPBACK:
        raise SystemExit("pyload only targets loopback")
    counts = dict.fromkeys(
        ("ok", "unavailable", "refused", "gql_errors", "s5xx", "non200", "reads", "creates",
         "cancels", "created_ok", "cancelled_ok", "timeouts", "connect_errors"), 0)
    latencies: list[float] = []
    today = dt.datetime.now(dt.UTC).date()
    headers = {"Authorization": f"Bearer {token}"} if token != "-" else {}

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    async def connection(no: int, client: httpx.AsyncClient, end: float) -> None:
        rng = random.Random(seed * 7919 + no)
        created: list[str] = []
        sequence = 0

        def body() -> tuple[dict, dict]:
            nonlocal sequence
            sequence += 1
            kind = workload
            if workload == "mixed":
                r = rng.randint(1, 100)
                kind = ("availability" if r <= 35 else "bookings" if r <= 70
                        else "create" if r <= 95 else "cancel")
            if kind == "cancel" and not created:
                kind = "create"
            start = rng.randint(2, 330)
            if kind == "typename":
                return {"query": "{ __typename }"}, {}
            if kind == "availability":
                return {"query": AVAILABILITY, "variables": {
                    "a": day(start), "b": day(start + rng.randint(1, 14))}}, {}
            if kind == "bookings":
                return {"query": BOOKINGS}, {}
            if kind == "cancel":
                return {"query": CANCEL, "variables": {"id": created.pop()}}, {}
            if kind == "login":
                address = f"10.{no % 250}.{sequence // 250 % 250}.{sequence % 250 + 1}"
                return ({"query": LOGIN, "variables": {"e": "agent@demo.hotel", "p": terms}},
                        {"X-Forwarded-For": address})
            return {"query": CREATE, "variables": {"i": {
                "channel": "PHONE", "roomTypeId": rng.choice(room_types),
                "checkIn": day(start), "checkOut": day(start + rng.randint(1, 3)),
                "guests": 1, "acceptedTermsVersion": terms,
                "guest": {"fullName": f"Bench Guest {no}-{sequence}",
                          "phone": f"+86139{no % 100:02d}{sequence % 1000000:06d}"}}}}, {}

        for _ in range(MAX_REQUESTS):
            if time.monotonic() >= end:
                return
            payload, extra = body()
            started = time.perf_counter()
            try:
                reply = await client.post(url, json=payload, headers={**headers, **extra})
            except httpx.TimeoutException:
                counts["timeouts"] += 1
                continue
            except httpx.TransportError:
                counts["connect_errors"] += 1
                continue
            latencies.append(time.perf_counter() - started)
            if reply.status_code >= 500:
                counts["s5xx"] += 1
            if reply.status_code != 200:
                counts["non200"] += 1
                continue
            text = reply.text
            if '"message"' in text:
                counts["gql_errors"] += 1
                continue
            data = reply.json()["data"]
            if "createBooking" in data:
                counts["creates"] += 1
                booking = data["createBooking"]["booking"]
                if booking:
                    counts["ok"] += 1
                    counts["created_ok"] += 1
                    if len(created) < 1000:
                        created.append(booking["id"])
                elif "ROOM_UNAVAILABLE" in text:
                    counts["unavailable"] += 1
                else:
                    counts["refused"] += 1
            elif "cancelBooking" in data:
                counts["cancels"] += 1
                if '"CANCELLED"' in text:
                    counts["ok"] += 1
                    counts["cancelled_ok"] += 1
                else:
                    counts["refused"] += 1
            elif "login" in data:
                counts["ok" if data["login"]["accessToken"] else "refused"] += 1
            else:
                counts["reads"] += 1
                counts["ok"] += 1

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        end = time.monotonic() + seconds
        await asyncio.gather(*(connection(i, client, end) for i in range(connections)))
    duration = time.monotonic() - started
    micros = [v * 1e6 for v in latencies]
    return {"requests": len(latencies) + counts["timeouts"], "duration_us": int(duration * 1e6),
            "p50_us": int(percentile(micros, 50)), "p95_us": int(percentile(micros, 95)),
            "p99_us": int(percentile(micros, 99)), "max_us": int(max(micros, default=0)),
            "read_errors": 0, "write_errors": 0, "status_errors": counts["non200"], **counts}


def main() -> int:
    url, workload, token, room_types, terms, seed, connections, seconds = sys.argv[1:9]
    result = asyncio.run(run(url, workload, token, room_types.split(","), terms, int(seed),
                             int(connections), float(seconds)))
    print("WRK_JSON " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
