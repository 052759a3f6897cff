"""Benchmark: do concurrent audited transactions still queue behind one lock?

Runs N concurrent clients, each committing audited transactions (`domain.unit_of_work.audited`,
the path every mutation takes), twice against the same PostgreSQL database:

- ``head-lock``: as the trail was before keyed MACs, each append first updates one shared
  head row, so every transaction holds that row's lock from its append until its commit;
- ``lock-free``: the current `audit.append` (MAC over the entry alone, id from the sequence).

It reports throughput, p50/p95/max latency per transaction and how often sessions were seen
waiting on a lock (pg_stat_activity sampled every 2 ms), then seals what was written and
verifies the trail. Point it at a scratch database: it migrates it and appends entries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_audit \\
      .venv/bin/python bench/audit_contention.py --clients 16 --transactions 50 --hold-ms 2

``--hold-ms`` keeps each transaction open that long after its append (the outbox events and
notifications a real mutation writes after the entry); 0 measures the bare commit.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from domain import audit, audit_keys, audit_seals, audit_verify
from domain.actor import SYSTEM
from domain.documents import config as documents_config
from server import db
from storage import Archive, Keyring, LocalBackend

HEAD_TABLE = "bench_audit_head"


async def _sleep_in_transaction(hold_ms: float) -> None:
    if hold_ms:
        await Tortoise.get_connection("default").execute_query(
            f"SELECT pg_sleep({hold_ms / 1000:.4f})"
        )


async def _transaction(mode: str, hold_ms: float, i: int) -> float:
    started = time.perf_counter()
    async with in_transaction() as connection:
        if mode == "head-lock":
            await connection.execute_query(f"UPDATE {HEAD_TABLE} SET seq = seq + 1 WHERE id = 1")
        await audit.append(SYSTEM, "bench.write", subject_type="Bench", subject_id=i)
        await _sleep_in_transaction(hold_ms)
    return time.perf_counter() - started


async def _sample_lock_waits(stop: asyncio.Event, samples: list[int]) -> None:
    import asyncpg

    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1).split("?")[0]
    connection = await asyncpg.connect(url)
    try:
        while not stop.is_set():
            waiting = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            samples.append(int(waiting))
            await asyncio.sleep(0.002)
    finally:
        await connection.close()


async def run_mode(mode: str, clients: int, transactions: int, hold_ms: float) -> dict:
    latencies: list[float] = []

    async def client(c: int) -> None:
        for t in range(transactions):
            latencies.append(await _transaction(mode, hold_ms, c * transactions + t))

    stop, samples = asyncio.Event(), []
    sampler = asyncio.create_task(_sample_lock_waits(stop, samples))
    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in range(clients)))
    elapsed = time.perf_counter() - started
    stop.set()
    await sampler
    latencies.sort()
    return {
        "mode": mode,
        "clients": clients,
        "transactions": len(latencies),
        "seconds": round(elapsed, 3),
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
        "lock_wait_samples_pct": round(100 * sum(map(bool, samples)) / max(1, len(samples)), 1),
        "max_sessions_waiting_on_a_lock": max(samples, default=0),
    }


def use_scratch_keys_and_archive() -> None:
    # The keys and the archive persist next to each other, so a later run still verifies the
    # entries and seals of the earlier ones in the same database.
    scratch = Path(os.environ.get("BENCH_ARCHIVE_DIR", "/tmp/hotel-bench-audit-archive"))
    scratch.mkdir(parents=True, exist_ok=True)
    keys = scratch / "archive_keys"
    if not keys.exists():
        keys.write_text(Keyring.generate_entry("bench"))
        keys.chmod(0o600)
    keyring = Keyring.from_string(keys.read_text())
    audit_keys.configure(keyring)
    documents_config.use_archive(
        Archive(
            keyring,
            LocalBackend(scratch / "primary", name="primary"),
            LocalBackend(scratch / "backup", name="backup"),
        )
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=50, help="per client")
    parser.add_argument("--hold-ms", type=float, default=2.0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a scratch PostgreSQL database")
    pooled = f"{url}{'&' if '?' in url else '?'}minsize=1&maxsize={args.clients + 2}"
    use_scratch_keys_and_archive()
    await db.migrate(pooled)
    connection = Tortoise.get_connection("default")
    await connection.execute_script(
        f"CREATE TABLE IF NOT EXISTS {HEAD_TABLE} (id INT PRIMARY KEY, seq INT NOT NULL);"
        f"INSERT INTO {HEAD_TABLE} VALUES (1, 0) ON CONFLICT DO NOTHING;"
    )
    try:
        results = [
            await run_mode(mode, args.clients, args.transactions, args.hold_ms)
            for mode in ("head-lock", "lock-free")
        ]
        started = time.perf_counter()
        seals = await audit_seals.seal_ready(lag=dt.timedelta(0), every=dt.timedelta(0))
        sealing = time.perf_counter() - started
        audit_verify.forget()
        started = time.perf_counter()
        status = await audit.verify_chain(full=True)
        verifying = time.perf_counter() - started
    finally:
        await connection.execute_script(f"DROP TABLE IF EXISTS {HEAD_TABLE};")
        await db.close()
    header = list(results[0])
    print(" | ".join(header))
    for row in results:
        print(" | ".join(str(row[k]) for k in header))
    summary = {
        "results": results,
        "sealed_entries": sum(s.entry_count for s in seals),
        "seals": len(seals),
        "sealing_seconds": round(sealing, 3),
        "verify_seconds": round(verifying, 3),
        "verified_ok": status.ok,
        "verified_entries": status.checked_entries,
        "verify_reason": status.reason,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=1))
    if args.out:
        args.out.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
