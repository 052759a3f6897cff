"""Benchmark of the monthly member analysis (P3.1.8) at the stated volume, on PostgreSQL.

Loads the CRM data set (`bench/crm_dataset.py`: 100,000 members, 1,000,000 stays by default)
into the scratch database named by `--database-url` (or `DATABASE_URL`), unless it holds that
many already, then runs `python -m server analyse-members` for the last finished month as a
child process and records its wall time and peak resident memory (the child's `ru_maxrss`),
and the rows it wrote, to a JSON file under `bench/results/`.

    .venv/bin/python bench/analysis.py \\
      --database-url postgres://postgres@127.0.0.1:5432/bench_analysis

`--fresh` forgets a previous analysis of the month first, so the run is measured from scratch.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _fetch(url: str, query: str, *args):
    import asyncpg

    connection = await asyncpg.connect(_dsn(url))
    try:
        return await connection.fetchrow(query, *args)
    finally:
        await connection.close()


async def _loaded(url: str) -> tuple[int, int]:
    try:
        row = await _fetch(
            url,
            "SELECT (SELECT COUNT(*) FROM member) AS members, "
            "(SELECT COUNT(*) FROM booking WHERE member_id IS NOT NULL) AS stays",
        )
    except Exception:  # not migrated yet
        return 0, 0
    return row["members"], row["stays"]


async def _forget(url: str, month: dt.date) -> None:
    import asyncpg

    connection = await asyncpg.connect(_dsn(url))
    try:
        async with connection.transaction():
            await connection.execute("DELETE FROM recommendation WHERE month = $1", month)
            await connection.execute("DELETE FROM member_behaviour WHERE month = $1", month)
            runs = await connection.fetch("SELECT id FROM analysis_run WHERE month = $1", month)
            for run in runs:
                await connection.execute("DELETE FROM analysis_stay WHERE run_id = $1", run["id"])
            await connection.execute("DELETE FROM analysis_run WHERE month = $1", month)
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--stays", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--fresh", action="store_true", help="forget the month's analysis")
    parser.add_argument("--out", default=None, help="JSON file (default bench/results/...)")
    args = parser.parse_args()
    url = args.database_url
    if not url.startswith("postgres"):
        print("Give a scratch PostgreSQL database (--database-url).", file=sys.stderr)
        return 2
    os.environ["DATABASE_URL"] = url
    from bench.crm_dataset import generate
    from domain.analysis import last_finished_month

    result: dict = {"database": url.rsplit("@", 1)[-1], "batch_size": args.batch_size}
    members, stays = asyncio.run(_loaded(url))
    if members < args.members or stays < args.stays:
        started = time.monotonic()
        result["dataset"] = asyncio.run(generate(url, args.members, args.stays))
        result["dataset"]["total_seconds"] = round(time.monotonic() - started, 1)
        members, stays = asyncio.run(_loaded(url))
    result["members_in_database"], result["stays_in_database"] = members, stays
    month = last_finished_month(dt.date.today())
    if args.fresh:
        asyncio.run(_forget(url, month))
    command = [
        sys.executable,
        "-m",
        "server",
        "analyse-members",
        "--month",
        f"{month:%Y-%m}",
        "--batch-size",
        str(args.batch_size),
    ]
    started = time.monotonic()
    finished = subprocess.run(command, cwd=ROOT, env={**os.environ, "DATABASE_URL": url})
    seconds = time.monotonic() - started
    if finished.returncode != 0:
        print(f"analyse-members failed ({finished.returncode})", file=sys.stderr)
        return finished.returncode
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    run = asyncio.run(
        _fetch(
            url,
            "SELECT r.members_done, r.stays_total, r.batches_done, r.status, "
            "(SELECT COUNT(*) FROM member_behaviour WHERE month = r.month) AS behaviour_rows, "
            "(SELECT COUNT(*) FROM recommendation WHERE month = r.month) AS recommendation_rows "
            "FROM analysis_run r WHERE r.month = $1",
            month,
        )
    )
    result.update(
        month=f"{month:%Y-%m}",
        analysis_seconds=round(seconds, 1),
        analysis_peak_rss_mb=round(peak_kib / 1024, 1),
        run=dict(run),
        machine={
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": platform.python_version(),
        },
        measured_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    out = (
        Path(args.out)
        if args.out
        else ROOT / "bench" / "results" / (f"analysis-{dt.date.today():%Y%m%d}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
