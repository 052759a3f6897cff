"""Stall benchmark (issue 7, item 2): costly GraphQL documents must not hold the event loop.

    .venv/bin/python bench/stall.py                 # embedded default, temporary DATA_DIR
    .venv/bin/python bench/stall.py --rounds 5 --out bench/stall.json

Starts `hotel serve` on loopback as `run.py` does, then for each scenario sends the same
kind of document from 8 clients at once (each with its own random operation name, so no
cache helps) while a probe asks `/healthz` every 5 ms, and reports per-request latency and
the probe's worst answer time. Scenarios: the reported flood (990 identical selections,
25 KB) that must be refused in under 100 ms each with `/healthz` under 50 ms, and documents
just inside every limit, which are parsed and validated in full (their cost is the bound
on how long one request can hold the event loop). It also times parse + validation of each
document in this process, without HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from run import free_port, start_server, wait_ready


def _name() -> str:
    return f"Q{random.randrange(10**12)}"


def flood() -> str:
    return f"query {_name()} {{ " + " ".join(["bookingTerms { version }"] * 990) + " }"


def list_argument() -> str:
    # ~1,990 tokens of argument value: the parser's worst case per token, within the limit.
    return f"query {_name()} {{ bookingTerms(x: [" + ", ".join(["1"] * 1980) + "]) { version } }"


def repeated_at_limit() -> str:
    # 20 copies (the limit) of each of 7 aliased selections with sub-selections: the
    # overlapping-fields rule compares every pair of them.
    parts = [f"t{i}: bookingTerms {{ version }}" for i in range(7)] * 20
    return f"query {_name()} {{ " + " ".join(parts) + " }"


def fragments_at_limit() -> str:
    # 512 fields once expanded, through 8 fragments that each spread the previous one twice.
    definitions = ["fragment F0 on Query { bookingTerms { version } roomTypes { code } }"]
    definitions += [
        f"fragment F{i} on Query {{ ...F{i - 1} ... on Query {{ ...F{i - 1} }} }}"
        for i in range(1, 8)
    ]
    return f"query {_name()} {{ ...F7 }} " + " ".join(definitions)


def selections_at_limit() -> str:
    # 150 distinct selections in one set (most will fail validation: too many aliases).
    parts = [f"a{i}: bookingTerms {{ version }}" for i in range(150)]
    return f"query {_name()} {{ " + " ".join(parts) + " }"


SCENARIOS = {
    "flood (refused)": flood,
    "list argument": list_argument,
    "repeated at limit": repeated_at_limit,
    "fragments at limit": fragments_at_limit,
    "selections at limit": selections_at_limit,
}


def in_process_costs() -> dict[str, dict]:
    """Parse + validation of each document without HTTP, as CPU time of this thread (what it
    would hold an idle core for, whatever else the machine is doing) and as wall time."""
    from graphql import parse, specified_rules

    from schema import build_schema
    from schema.document_shape import DocumentLimits, TooComplex, measure
    from schema.extensions import validate_document

    schema = build_schema(production=True)
    rules = tuple(specified_rules)
    costs = {}
    for name, make in SCENARIOS.items():
        cpu, wall = [], []
        outcome = "accepted"
        for _ in range(5):
            text = make()
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                measure(text, DocumentLimits())
                errors = validate_document(schema._schema, parse(text), rules)
                outcome = f"validated, {len(errors)} errors" if errors else "valid"
            except TooComplex as problem:
                outcome = f"refused: {problem.extensions['limit']}"
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        costs[name] = {"outcome": outcome, "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1),
                       "cpu_max_ms": round(max(cpu) * 1000, 1),
                       "wall_p50_ms": round(statistics.median(wall) * 1000, 1),
                       "bytes": len(make())}
    return costs


async def scenario(client: httpx.AsyncClient, make, clients: int) -> dict:
    done = asyncio.Event()
    probes: list[float] = []

    async def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await client.get("/healthz")
            probes.append(time.perf_counter() - started)
            await asyncio.sleep(0.005)

    async def send() -> tuple[int, str | None, float]:
        started = time.perf_counter()
        reply = await client.post("/graphql", json={"query": make()})
        elapsed = time.perf_counter() - started
        errors = reply.json().get("errors") or [{}]
        return reply.status_code, errors[0].get("extensions", {}).get("code"), elapsed

    prober = asyncio.create_task(probe())
    await asyncio.sleep(0.02)
    results = await asyncio.gather(*(send() for _ in range(clients)))
    done.set()
    await prober
    latencies = sorted(seconds for *_, seconds in results)
    return {
        "answers": sorted({f"{status} {code}" for status, code, _ in results}),
        "request_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "request_max_ms": round(latencies[-1] * 1000, 1),
        "healthz_p50_ms": round(statistics.median(probes) * 1000, 1),
        "healthz_max_ms": round(max(probes) * 1000, 1),
        "healthz_probes": len(probes),
    }


async def run(args) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="hotel-stall-")
    server = start_server(port, 1, data_dir, ("--no-seed",))
    report: dict = {"clients": args.clients, "rounds": args.rounds, "scenarios": {},
                    "load_at_start": [round(x, 1) for x in os.getloadavg()]}
    try:
        await wait_ready(base)
        limits = httpx.Limits(max_connections=args.clients + 4)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            for _ in range(3):  # warm the connections and the server's imports
                await client.post("/graphql", json={"query": "{ bookingTerms { version } }"})
            for name, make in SCENARIOS.items():
                rounds = [await scenario(client, make, args.clients) for _ in range(args.rounds)]
                worst = {key: max(r[key] for r in rounds)
                         for key in ("request_p50_ms", "request_max_ms", "healthz_p50_ms",
                                     "healthz_max_ms")}
                worst["answers"] = sorted({a for r in rounds for a in r["answers"]})
                report["scenarios"][name] = worst
    finally:
        server.terminate()
        server.wait(timeout=30)
    report["in_process"] = in_process_costs()
    report["load"] = [round(x, 1) for x in os.getloadavg()]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="documents sent at once")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions per scenario")
    parser.add_argument("--out", default=None, help="write the report as JSON here")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(f"{args.clients} documents at once, worst of {args.rounds} rounds")
    print(f"{'scenario':<22}{'req p50':>9}{'req max':>9}{'hz p50':>8}{'hz max':>8}  answers")
    for name, row in report["scenarios"].items():
        print(f"{name:<22}{row['request_p50_ms']:>9}{row['request_max_ms']:>9}"
              f"{row['healthz_p50_ms']:>8}{row['healthz_max_ms']:>8}  {', '.join(row['answers'])}")
    print("parse + validation in process (ms): CPU p50, CPU max, wall p50")
    for name, row in report["in_process"].items():
        print(f"  {name:<22}{row['cpu_p50_ms']:>7}{row['cpu_max_ms']:>7}{row['wall_p50_ms']:>7}"
              f"  {row['bytes']:>6} B  {row['outcome']}")
    print(f"load average (1, 5, 15 min): at start {report['load_at_start']}, "
          f"at end {report['load']}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    flood_row = report["scenarios"]["flood (refused)"]
    ok = flood_row["request_max_ms"] < 100 and flood_row["healthz_max_ms"] < 50
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
