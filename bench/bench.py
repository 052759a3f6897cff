"""`./dev bench`: throughput and latency of the API against its own ceilings (issue 12).

One run: a fresh scratch database (PostgreSQL `DATABASE_URL`, whose name must start with
`bench`, or the embedded SQLite default in a temporary `DATA_DIR`), migrated and seeded with the
demo hotel (six room types, a year of nightly rates and inventory), plus `--members` members and
`--bookings` past stays loaded set-based (`bench/crm_dataset.py`: COPY and `INSERT ... SELECT`
over `generate_series` on PostgreSQL; on SQLite one `executemany` per table). Then `hotel serve
--workers N` on loopback, and from a separate process (`wrk` with `bench/wrk/graphql.lua`, or
`bench/pyload.py` when wrk is missing) for `--seconds` each:

- anonymous `{ __typename }`: the framework ceiling every ratio is judged against;
- authenticated `{ __typename }` (a staff bearer token);
- `availability` for 1-14 nights; `createBooking` on random dates (successes and
  ROOM_UNAVAILABLE both count); `bookings(first: 50)` with room type, guest and member;
- a log-in burst (argon2id per request, each "from" its own address);
- a mixed profile: 70 % reads, 25 % bookings, 5 % cancellations;
- on PostgreSQL, the database ceiling: the booking transaction (a stay's inventory in one
  conditional UPDATE, the guest profile, the booking, its nights) straight from asyncpg at the
  same concurrency.

Reports: `bench/results/bench-<time>.json` and `.md`. Refuses any non-loopback database, Redis
or target; every loop is bounded in count and time; the server it started is stopped (its
process group, by pid). Exit status 1 on any 5xx, any inventory night whose `sold` differs from
the nights bookings hold, or any booking the API confirmed that the database does not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "demo-pass-2026"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WORKLOADS = [
    # (key, label, wrk workload, authenticated)
    ("anonymous", "anonymous `{ __typename }` (framework ceiling)", "typename", False),
    ("typename", "authenticated `{ __typename }`", "typename", True),
    ("availability", "`availability`, 1-14 nights", "availability", True),
    ("create", "`createBooking`, random dates", "create", True),
    ("bookings", "`bookings(first: 50)`, nested", "bookings", True),
    ("mixed", "mixed: 70% reads, 25% bookings, 5% cancellations", "mixed", True),
    # Last: argon2id keeps the password pool busy for a while after the burst ends.
    ("login", "log-in burst", "login", False),
]
MISMATCHES = """SELECT COUNT(*) FROM inventory_night i LEFT JOIN (
      SELECT room_type_id, date, COUNT(*) AS held FROM booking_night
      GROUP BY room_type_id, date) b
    ON b.room_type_id = i.room_type_id AND b.date = i.date
    WHERE i.sold != COALESCE(b.held, 0) OR i.sold > i.capacity"""
COUNTS = ("SELECT (SELECT COUNT(*) FROM booking) AS bookings, "
          "(SELECT COUNT(*) FROM booking WHERE status = 'CANCELLED') AS cancelled")


def refuse_non_loopback(*urls: str | None) -> None:
    for url in urls:
        if url and urlsplit(url).hostname not in LOOPBACK:
            raise SystemExit(f"refusing a non-loopback target: {urlsplit(url).hostname}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kb = int(info.readline().split()[1])
    return {"nproc": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "cpu": model, "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


# ---- data ----------------------------------------------------------------------------------


async def recreate_database(url: str) -> None:
    import asyncpg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench"):
        raise SystemExit("the benchmark database is emptied: its name must "
                         f"start with 'bench' (got {name!r})")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    connection = await asyncpg.connect(admin)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    # Emptied by dropping its schema rather than the database: DROP DATABASE waits for a
    # checkpoint, which took minutes on a busy machine.
    connection = await asyncpg.connect(urlunsplit(parts._replace(scheme="postgresql")))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


def seed(env: dict) -> None:
    """Migrate and seed the demo hotel (a year of rates and inventory) in a child process."""
    subprocess.run([sys.executable, "-m", "server", "seed"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=900)


def load_sqlite(path: Path, members: int, stays: int, log) -> dict:
    """The CRM data set of `crm_dataset.py` for the embedded default, by executemany."""
    import sqlite3
    from decimal import Decimal

    from domain.models import GuestProfile
    from server.privacy import configure_personal_data
    from server.settings import get_settings

    configure_personal_data(get_settings())
    encrypt_name = GuestProfile._meta.fields_map["full_name"].to_db_value
    from crm_dataset import ROOM_TYPES

    started = time.monotonic()
    rng = random.Random(42)
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    with sqlite3.connect(path) as db:
        for code, name, capacity, rate in ROOM_TYPES:
            db.execute("INSERT OR IGNORE INTO room_type (created_at, code, name, description, "
                       "capacity, base_rate, currency, is_active) VALUES (?, ?, ?, '', ?, ?, "
                       "'CNY', 1)", (now, code, name, capacity, rate))
        types = {code: (rid, Decimal(str(rate))) for rid, code, rate in db.execute(
            "SELECT id, code, base_rate FROM room_type WHERE code LIKE 'B%'")}
        first_profile = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM guest_profile"
                                   ).fetchone()[0]
        name = encrypt_name("Bench Member", None)  # one ciphertext: the loader's time is COPY's
        db.executemany(
            "INSERT INTO guest_profile (id, created_at, full_name, is_temporary, blacklisted, "
            "blacklist_reason, search_terms) VALUES (?, ?, ?, 0, 0, '', '')",
            ((first_profile + i, now, name) for i in range(members)))
        first_member = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM member").fetchone()[0]
        db.executemany(
            "INSERT INTO member (id, created_at, member_number, tier, points_balance, "
            "is_active, guest_profile_id) VALUES (?, ?, ?, 'STANDARD', 0, 1, ?)",
            ((first_member + i, now, f"B{first_member + i:09d}", first_profile + i)
             for i in range(members)))
        first_booking = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM booking").fetchone()[0]
        codes = [code for code, *_ in ROOM_TYPES]
        start = dt.date(2023, 1, 1)
        span = (dt.date.today().replace(day=1) - start).days - 5

        def rows():
            for g in range(first_booking, first_booking + stays):
                offset = int(rng.random() ** 1.6 * members)
                check_in = start + dt.timedelta(days=rng.randrange(span))
                nights = 1 + int(rng.random() * rng.random() * 5)
                room_id, rate = types[codes[int(rng.random() ** 1.3 * 5)]]
                amount = str(rate * nights)
                made = dt.datetime.combine(check_in, dt.time(4), dt.UTC)
                yield (made.isoformat(sep=" "), f"BN{g:010d}", "CHECKED_OUT",
                       rng.choice(["ONLINE", "ONLINE", "PHONE", "PARTNER", "WALK_IN"]), room_id,
                       check_in.isoformat(), (check_in + dt.timedelta(days=nights)).isoformat(),
                       nights, first_profile + offset, first_member + offset, amount, amount)

        db.executemany(
            "INSERT INTO booking (created_at, number, status, channel, room_type_id, check_in, "
            "check_out, guests, nights, guest_id, member_id, special_requests, gross_amount, "
            "points_redeemed, points_value, total_amount, currency, terms_version, "
            "review_reason, cancel_reason, version, language) VALUES (?, ?, ?, ?, ?, ?, ?, 2, "
            "?, ?, ?, '', ?, 0, 0, ?, 'CNY', 'bench', '', '', 1, 'en')", rows())
        db.execute("UPDATE room_type SET is_active = 0 WHERE code LIKE 'B%'")
        db.execute("ANALYZE")
    seconds = round(time.monotonic() - started, 1)
    log(f"{members} members and {stays} bookings in {seconds} s")
    return {"members": members, "stays": stays, "seconds": {"load": seconds}}


async def load_postgres(url: str, members: int, stays: int, log) -> dict:
    import asyncpg
    from crm_dataset import generate

    loaded = await generate(url, members, stays, log=log)
    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        # The data set's room types are history (no inventory): retired, so `availability`
        # answers for the demo hotel's six room types as in the measurements.
        await connection.execute("UPDATE room_type SET is_active = false WHERE code LIKE 'B%'")
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return loaded


async def database_counts(url: str | None, sqlite_path: Path) -> dict:
    if url:
        import asyncpg

        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            row = await connection.fetchrow(COUNTS)
            mismatches = await connection.fetchval(MISMATCHES)
        finally:
            await connection.close()
        return {**dict(row), "mismatches": mismatches}
    import sqlite3

    with sqlite3.connect(sqlite_path) as db:
        bookings, cancelled = db.execute(COUNTS).fetchone()
        mismatches = db.execute(MISMATCHES).fetchone()[0]
    return {"bookings": bookings, "cancelled": cancelled, "mismatches": mismatches}


# ---- the server ----------------------------------------------------------------------------


def status_mb(pid: int | str, field: str) -> float | None:
    """A memory line of /proc/<pid>/status (VmRSS: resident now, VmHWM: peak) in MB, None once
    the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_analysis(env: dict, log_path: Path, limit_seconds: float = 1800) -> dict:
    """`hotel analyse-members` for a month not analysed yet (P3.1.8) as a worker would run it,
    on the loaded data set: wall time, the child's peak resident memory (sampled from /proc,
    since the API processes are children too) and what it wrote. Bounded in time."""
    command = [sys.executable, "-m", "server", "analyse-members", "--month",
               f"{dt.date.today().replace(day=1) - dt.timedelta(days=1):%Y-%m}"]
    started = time.monotonic()
    with open(log_path, "ab") as output:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, status_mb(child.pid, "VmHWM") or 0.0)
            if time.monotonic() - started > limit_seconds:
                child.kill()
                child.wait()
                break
            time.sleep(0.2)
    return {"label": "monthly member analysis (`hotel analyse-members`, P3.1.8)",
            "seconds": round(time.monotonic() - started, 1), "peak_resident_mb": round(peak, 1),
            "exit_code": child.returncode}


def start_server(env: dict, port: int, workers: int, log_path: Path,
                 profile: Path | None = None) -> subprocess.Popen:
    """`hotel serve`; with `profile`, one process under pyinstrument (its text report is
    written there when the server stops)."""
    log = open(log_path, "ab")
    command = ["-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--no-seed"]
    if profile is not None:
        command = ["-m", "pyinstrument", "-r", "text", "-o", str(profile),
                   *command[:-2], "1", "--no-seed"]
    return subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=log,
                            stderr=log, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server's process group (uvicorn's supervisor and its workers), by its pid:
    SIGINT first, which uvicorn (and pyinstrument around it) take as a clean stop."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=30)
        return
    except subprocess.TimeoutExpired:
        pass
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def resident_mb(server: subprocess.Popen) -> list[float]:
    """Resident memory of the server's worker processes (children of the supervisor)."""
    sizes = []
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        return sizes
    for pid in children or [str(server.pid)]:
        size = status_mb(pid, "VmRSS")
        if size is not None:
            sizes.append(round(size, 1))
    return sizes


async def steady_resident_mb(
    server: subprocess.Popen, seconds: float = 30, still: int = 5
) -> list[float]:
    """Resident memory once it has stayed put for `still` readings a second apart (bounded): a
    log-in burst leaves argon2id hashes queued, each holding its 64 MiB of working memory
    while it runs, so a reading taken at once (or one second after another while both hash
    threads are busy) measures the queue, not what the process keeps."""
    end = time.monotonic() + seconds
    readings = [resident_mb(server)]
    while time.monotonic() < end:
        await asyncio.sleep(1)
        readings.append(resident_mb(server))
        recent = [sum(sizes) for sizes in readings[-still:]]
        if len(recent) == still and max(recent) - min(recent) <= 2:
            return readings[-1]
    return readings[-1]


async def wait_ready(base: str, server: subprocess.Popen, seconds: float = 120) -> None:
    import httpx

    async with httpx.AsyncClient() as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if server.poll() is not None:
                raise SystemExit("the server exited while starting; see its log")
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit("the server did not become ready")


async def settle(base: str, seconds: float = 60) -> None:
    """Wait (bounded) until the server answers at once again: requests queued by the previous
    workload (the generator stops sending, the server keeps working) must not slow the next."""
    import httpx

    async with httpx.AsyncClient(timeout=10) as client:
        end = time.monotonic() + seconds
        quick = 0
        while time.monotonic() < end and quick < 3:
            started = time.perf_counter()
            await client.post(f"{base}/graphql", json={"query": "{ __typename }"})
            quick = quick + 1 if time.perf_counter() - started < 0.02 else 0
            await asyncio.sleep(0.1)


async def session(base: str) -> tuple[str, list[str], str]:
    """A staff token, the ids of the room types on sale, and the booking terms version."""
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:
        reply = await client.post(f"{base}/graphql", json={
            "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, "
                     "password: $p}) { accessToken } }",
            "variables": {"e": "agent@demo.hotel", "p": PASSWORD}})
        token = reply.json()["data"]["login"]["accessToken"]
        reply = await client.post(
            f"{base}/graphql", headers={"Authorization": f"Bearer {token}"},
            json={"query": "{ bookingTerms { version } roomTypes { id code } }"})
        data = reply.json()["data"]
    ids = [rt["id"] for rt in data["roomTypes"] if not rt["code"].startswith("B")]
    return token, ids, data["bookingTerms"]["version"]


# ---- load ----------------------------------------------------------------------------------


def drive(generator: str, url: str, workload: str, token: str, room_types: list[str],
          terms: str, connections: int, seconds: float, threads: int, seed_no: int) -> dict:
    """Run one workload from a separate process; the generator's JSON summary."""
    if generator == "wrk":
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s",
                   "--timeout", "10s", "-s", str(ROOT / "bench/wrk/graphql.lua"), url, "--",
                   workload, token, ",".join(room_types), terms, str(seed_no)]
    else:
        command = [sys.executable, str(ROOT / "bench/pyload.py"), url, workload, token,
                   ",".join(room_types), terms, str(seed_no), str(connections), str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON "):])
    raise SystemExit(f"the load generator failed:\n{done.stdout}\n{done.stderr}")


def summarise(raw: dict) -> dict:
    seconds = raw["duration_us"] / 1e6
    errors = (raw["s5xx"] + raw["non200"] + raw["gql_errors"] + raw["timeouts"]
              + raw["connect_errors"] + raw["read_errors"] + raw["write_errors"])
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "errors": errors,
        "http_5xx": raw["s5xx"],
        "ok": raw["ok"],
        "room_unavailable": raw["unavailable"],
        "refused": raw["refused"],
        "created": raw["created_ok"],
        "cancelled": raw["cancelled_ok"],
        "raw": raw,
    }


async def database_ceiling(url: str, connections: int, seconds: float) -> dict:
    """The booking transaction straight from asyncpg: the stay's inventory in one conditional
    UPDATE (ROOM_UNAVAILABLE rolls it back), a guest profile, the booking, its nights."""
    import asyncpg

    from domain.models import GuestProfile

    encrypted = GuestProfile._meta.fields_map["full_name"].to_db_value("Ceiling Guest", None)
    dsn = url.replace("postgres://", "postgresql://", 1)
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    types = [(r["id"], r["base_rate"]) for r in await pool.fetch(
        "SELECT id, base_rate FROM room_type WHERE is_active ORDER BY id")]
    today = dt.date.today()
    latencies: list[float] = []
    outcome = {"created": 0, "unavailable": 0}

    class Unavailable(Exception):
        pass

    async def worker(no: int, end: float) -> None:
        rng = random.Random(no)
        for n in range(1_000_000):
            if time.monotonic() >= end:
                return
            room_type, rate = rng.choice(types)
            check_in = today + dt.timedelta(days=rng.randint(2, 330))
            nights = rng.randint(1, 3)
            check_out = check_in + dt.timedelta(days=nights)
            started = time.perf_counter()
            try:
                async with pool.acquire() as connection, connection.transaction():
                    taken = await connection.fetchval(
                        "WITH t AS (UPDATE inventory_night SET sold = sold + 1 "
                        "WHERE room_type_id = $1 AND date >= $2 AND date < $3 "
                        "AND sold < capacity RETURNING 1) SELECT COUNT(*) FROM t",
                        room_type, check_in, check_out)
                    if taken != nights:
                        raise Unavailable
                    now = dt.datetime.now(dt.UTC)
                    guest = await connection.fetchval(
                        "INSERT INTO guest_profile (created_at, full_name, is_temporary, "
                        "blacklisted, blacklist_reason, search_terms) "
                        "VALUES ($1, $2, true, false, '', '') RETURNING id", now, encrypted)
                    booking = await connection.fetchval(
                        "INSERT INTO booking (created_at, number, status, channel, "
                        "room_type_id, check_in, check_out, guests, nights, guest_id, "
                        "special_requests, gross_amount, points_redeemed, points_value, "
                        "total_amount, currency, terms_version, review_reason, cancel_reason, "
                        "version, language, confirmed_at) VALUES ($1, $2, 'CONFIRMED', 'PHONE', "
                        "$3, $4, $5, 1, $6, $7, '', $8, 0, 0, $8, 'CNY', 'bench', '', '', 1, "
                        "'en', $1) RETURNING id",
                        now, f"C{no:03d}{n:07d}{rng.randrange(1000):03d}", room_type,
                        check_in, check_out, nights, guest, rate * nights)
                    await connection.execute(
                        "INSERT INTO booking_night (created_at, booking_id, room_type_id, date, "
                        "amount) SELECT $1, $2, $3, d::date, $4 FROM generate_series($5::date, "
                        "$6::date - 1, interval '1 day') AS d",
                        now, booking, room_type, rate, check_in, check_out)
                outcome["created"] += 1
            except Unavailable:
                outcome["unavailable"] += 1
            latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    try:
        end = time.monotonic() + seconds
        await asyncio.gather(*(worker(i, end) for i in range(connections)))
    finally:
        await pool.close()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1)

    return {"requests": len(latencies), "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(0.5), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99), "max_ms": round(latencies[-1] * 1000, 1), "errors": 0,
            "http_5xx": 0, **outcome}


# ---- the run -------------------------------------------------------------------------------


async def run(args) -> tuple[dict, int]:
    database_url = args.database_url or None
    refuse_non_loopback(database_url, args.redis_url)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="hotel-bench-"))
    os.makedirs(data_dir, exist_ok=True)
    marker = data_dir / "bench-loaded.json"
    env = {**os.environ, "DATA_DIR": str(data_dir), "ENV": "development",
           "BUDGET_STAFF_PER_MINUTE": "100000000", "BUDGET_ANONYMOUS_PER_MINUTE": "100000000",
           "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    os.environ.update({k: v for k, v in env.items() if k in ("DATA_DIR", "DATABASE_URL")})
    sqlite_path = data_dir / "hotel.sqlite3"
    log = print if not args.quiet else (lambda *_: None)

    started = time.monotonic()
    wanted = {"database": database_url or "sqlite", "members": args.members,
              "bookings": args.bookings}
    if args.reuse and marker.exists() and json.loads(marker.read_text())["set"] == wanted:
        loaded = json.loads(marker.read_text())["loaded"]
        log("reusing the data set loaded earlier in this --data-dir")
    else:
        if database_url:
            await recreate_database(database_url)
        seed(env)
        if database_url:
            loaded = await load_postgres(database_url, args.members, args.bookings, log)
        else:
            loaded = load_sqlite(sqlite_path, args.members, args.bookings, log)
        marker.write_text(json.dumps({"set": wanted, "loaded": loaded}))
    load_seconds = round(time.monotonic() - started, 1)
    log(f"data set ready in {load_seconds} s")

    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    refuse_non_loopback(base)
    profile = None
    if args.profile:
        os.makedirs(args.out_dir, exist_ok=True)
        profile = Path(args.out_dir) / f"profile-{'-'.join(args.only or ['all'])}.txt"
    server = start_server(env, port, args.workers, data_dir / "server.log", profile)
    results: dict[str, dict] = {}
    checks: list[dict] = []
    failures: list[str] = []
    memory: list[float] = []
    try:
        await wait_ready(base, server)
        token, room_types, terms = await session(base)
        for number, (key, label, workload, authenticated) in enumerate(WORKLOADS):
            if args.only and key not in args.only and key != "anonymous":
                continue
            await settle(base)
            before = await database_counts(database_url, sqlite_path)
            raw = drive(generator, f"{base}/graphql", workload,
                        token if authenticated else "-", room_types,
                        PASSWORD if workload == "login" else terms, args.connections,
                        args.seconds, args.threads, number + 1)
            after = await database_counts(database_url, sqlite_path)
            row = summarise(raw)
            row["label"] = label
            new = after["bookings"] - before["bookings"]
            cancelled = after["cancelled"] - before["cancelled"]
            check = {"workload": key, "mismatched_nights": after["mismatches"],
                     "bookings_confirmed": row["created"], "bookings_stored": new,
                     "lost_bookings": max(0, row["created"] - new),
                     "cancellations_confirmed": row["cancelled"],
                     "cancellations_stored": cancelled}
            checks.append(check)
            results[key] = row
            log(f"{label}: {row['rps']} req/s, p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms, "
                f"errors {row['errors']}")
            if row["http_5xx"]:
                failures.append(f"{key}: {row['http_5xx']} responses with status 5xx")
            if check["mismatched_nights"]:
                failures.append(f"{key}: {check['mismatched_nights']} inventory nights differ "
                                "from the nights bookings hold")
            if check["lost_bookings"] or cancelled < row["cancelled"]:
                failures.append(f"{key}: confirmed bookings or cancellations missing")
        await settle(base)
        memory = await steady_resident_mb(server)
    finally:
        stop_server(server)
    analysis = None
    if not args.only or "analysis" in args.only:
        analysis = run_analysis(env, data_dir / "analysis.log")
        log(f"{analysis['label']}: {analysis['seconds']} s, peak "
            f"{analysis['peak_resident_mb']} MB resident")
        if analysis["exit_code"] != 0:
            failures.append(f"analysis: exit code {analysis['exit_code']}")
    if database_url and (not args.only or "database" in args.only):
        row = await database_ceiling(database_url, args.connections, args.seconds)
        row["label"] = "booking transaction from bare asyncpg (database ceiling)"
        results["database"] = row
        counts = await database_counts(database_url, sqlite_path)
        checks.append({"workload": "database", "mismatched_nights": counts["mismatches"]})
        if counts["mismatches"]:
            failures.append("database ceiling: inventory nights differ from the held nights")
        log(f"database ceiling: {row['rps']} tx/s, p50 {row['p50_ms']} ms")
    ceiling = results.get("anonymous", {}).get("rps") or 0
    for row in results.values():
        row["ratio"] = round(row["rps"] / ceiling, 3) if ceiling else None
    if "create" in results and "database" in results and results["database"]["rps"]:
        results["create"]["ratio_to_database"] = round(
            results["create"]["rps"] / results["database"]["rps"], 3)
    report = {
        "label": args.label,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": urlsplit(database_url).path.lstrip("/") if database_url
        else "sqlite (embedded)",
        "redis": bool(args.redis_url),
        "workers": 1 if args.profile else args.workers,
        "connections": args.connections,
        "seconds_per_workload": args.seconds,
        "generator": generator,
        "data_set": {"members": args.members, "bookings": args.bookings,
                     "load_seconds": load_seconds, "detail": loaded},
        "results": results,
        "checks": checks,
        "worker_resident_mb": memory,
        "analysis": analysis,
        "failures": failures,
    }
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
    return report, 1 if failures else 0


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark {report['when']}" + (f" ({report['label']})" if report["label"] else ""),
        "",
        f"{report['database']}{' + Redis' if report['redis'] else ''}, "
        f"{report['workers']} API process(es), {report['connections']} connections, "
        f"{report['seconds_per_workload']} s per workload, load from `{report['generator']}`; "
        f"{report['data_set']['bookings']:,} bookings, {report['data_set']['members']:,} "
        f"members (loaded in {report['data_set']['load_seconds']} s). Machine: {m['nproc']} "
        f"cores ({m['cpu']}), {m['memory_gb']} GB, load average before the run "
        f"{m['load_average'][0]}.",
        "",
        "| workload | req/s | ratio | p50 ms | p95 ms | p99 ms | errors | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["results"].values():
        notes = []
        if row.get("created") or row.get("room_unavailable"):
            notes.append(f"{row.get('created', 0)} booked, {row.get('room_unavailable', 0)} "
                         "ROOM_UNAVAILABLE")
        if row.get("cancelled"):
            notes.append(f"{row['cancelled']} cancelled")
        if row.get("refused"):
            notes.append(f"{row['refused']} other refusals")
        if "ratio_to_database" in row:
            notes.append(f"{row['ratio_to_database']}x the database ceiling")
        lines.append(
            f"| {row['label']} | {row['rps']} | {row['ratio']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['errors']} | {'; '.join(notes)} |")
    lines += ["", f"Resident memory of the API processes after the run: "
              f"{report['worker_resident_mb']} MB.", ""]
    if report.get("analysis"):
        a = report["analysis"]
        lines += [f"{a['label']}: {a['seconds']} s over the data set, peak resident memory "
                  f"{a['peak_resident_mb']} MB (exit code {a['exit_code']}).", ""]
    lines.append("Checks after every workload: " + (
        "inventory equals the held nights, no confirmed booking lost, no 5xx."
        if not report["failures"] else "FAILED: " + "; ".join(report["failures"])))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="scratch PostgreSQL database (name starting with 'bench'); "
                             "the embedded default when empty")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--workers", type=int, default=2, help="API processes")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=float, default=10, help="per workload")
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--only", nargs="*", help="run only these workloads (keys; "
                        "`analysis` is the monthly member analysis, `database` the ceiling)")
    parser.add_argument("--label", default="", help="a name for this run in the report")
    parser.add_argument("--out-dir", default=str(ROOT / "bench/results"))
    parser.add_argument("--data-dir", default="",
                        help="keep DATA_DIR (keys, SQLite file) here instead of a temporary "
                             "directory, so --reuse can run again on the same data set")
    parser.add_argument("--reuse", action="store_true",
                        help="with --data-dir: skip loading when that data set is there "
                             "(bookings made by earlier runs stay)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--profile", action="store_true",
                        help="one API process under pyinstrument; its report goes to "
                             "profile-<workloads>.txt (use with --only)")
    args = parser.parse_args()
    if not (1 <= args.seconds <= 600 and 1 <= args.connections <= 256
            and 1 <= args.workers <= 16 and 0 <= args.bookings <= 2_000_000):
        parser.error("out of range: seconds 1-600, connections 1-256, workers 1-16, "
                     "bookings up to 2,000,000")
    report, status = asyncio.run(run(args))
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = f"bench-{stamp}" + (f"-{args.label}" if args.label else "")
    (out / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    text = markdown(report)
    (out / f"{name}.md").write_text(text)
    print(text)
    print(f"written: {out / name}.json and .md")
    return status


if __name__ == "__main__":
    sys.exit(main())
