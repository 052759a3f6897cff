"""Throw-away Redis and PostgreSQL servers, and API server processes, for the tests that stop
and start a dependency around live requests. Each instance is the test's own, on a free loopback
port, with its files in a temporary folder, so the machine's shared services are never touched.

PostgreSQL refuses to run as root: when the tests run as root, its commands run as the
`postgres` OS user (`runuser`), with a data folder owned by that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, seconds: float = START_SECONDS, what: str = "condition"):
    """Poll `check()` until it returns a truthy value (returned) or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def redis_missing() -> str | None:
    return None if shutil.which("redis-server") else "the redis-server binary is not installed"


def postgres_missing() -> str | None:
    needed = [PG_BIN / name for name in ("initdb", "pg_ctl", "postgres")]
    if not all(path.exists() for path in needed):
        return f"PostgreSQL server binaries are not installed under {PG_BIN}"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without `runuser` to start PostgreSQL as another user"
    return None


class RedisServer:
    """`redis-server` without persistence on 127.0.0.1:<port>; stop and start keep the port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _accepts(self.port), what=f"redis-server on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


class PostgresServer:
    """A fresh PostgreSQL cluster (trust authentication) on 127.0.0.1:<port>."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="hotel-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.sockets.mkdir()
        self.log = self.base / "postgres.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command) -> None:
        argv = [str(part) for part in command]
        if self._as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise AssertionError(f"{argv} failed: {result.stderr}\n{log}")

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} "
                   "-c fsync=off -c full_page_writes=off")
        self._run(PG_BIN / "pg_ctl", "start", "-w", "-D", self.data, "-l", self.log,
                  "-o", options)

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class ApiServer:
    """`hotel serve` (development mode: migrates and seeds the demo hotel) in a process of its
    own, so its Redis, database and global state are its own."""

    def __init__(
        self, data_dir: Path, *, workers: int = 1, seed: bool = True, **env: str
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(data_dir) / f"serve-{self.port}.log"
        environment = {
            key: value for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "ENV")
        }
        environment.update(
            {"DATA_DIR": str(data_dir), "ENV": "development", "PYTHONPATH": str(ROOT),
             "SECRET_KEY": "outage-test-secret-key-0123456789abcdef", **env}
        )
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(self.port),
             "--workers", str(workers), *([] if seed else ["--no-seed"])],
            cwd=ROOT, env=environment, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self) -> None:
        def ready() -> bool:
            assert self.process.poll() is None, f"the server exited:\n{self.log()}"
            try:
                return httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, seconds=120, what=f"the API on {self.port}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self._log.close()


DEMO_PASSWORD = "demo-pass-2026"
LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  accessToken errors { code } } }"""
CATALOGUE = "{ bookingTerms { version } roomTypes { id code capacity } }"
CREATE_BOOKING = """mutation($i: CreateBookingInput!) { createBooking(input: $i) {
  booking { id number status } errors { code field } } }"""


class ApiClient:
    """A frontend of the demo hotel: logs in, books, and keeps every answer's timing."""

    def __init__(self, base: str, *, timeout: float = 30) -> None:
        self.http = httpx.Client(base_url=base, timeout=timeout)
        self.token: str | None = None
        self.last_seconds = 0.0
        self._catalogue: dict | None = None

    def post(self, query: str, variables: dict | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        started = time.monotonic()
        try:
            return self.http.post("/graphql", json={"query": query, "variables": variables},
                                  headers=headers)
        finally:
            self.last_seconds = time.monotonic() - started

    def login(self, email: str = "agent@demo.hotel") -> httpx.Response:
        reply = self.post(LOGIN, {"e": email, "p": DEMO_PASSWORD})
        if reply.status_code == 200 and (reply.json().get("data") or {}).get("login"):
            self.token = reply.json()["data"]["login"]["accessToken"] or self.token
        return reply

    def book(self, check_in, *, nights: int = 1, room_code: str = "STD",
             name: str = "Outage Guest") -> httpx.Response:
        import datetime as dt

        if self._catalogue is None:  # fetched once, so a booking sent in an outage needs no read
            self._catalogue = self.post(CATALOGUE).json()["data"]
        catalogue = self._catalogue
        room_type = next(r for r in catalogue["roomTypes"] if r["code"] == room_code)
        return self.post(CREATE_BOOKING, {"i": {
            "channel": "PHONE",
            "roomTypeId": room_type["id"],
            "checkIn": check_in.isoformat(),
            "checkOut": (check_in + dt.timedelta(days=nights)).isoformat(),
            "guests": 1,
            "acceptedTermsVersion": catalogue["bookingTerms"]["version"],
            "guest": {"fullName": name, "phone": "+8613800138111"},
        }})

    def close(self) -> None:
        self.http.close()
