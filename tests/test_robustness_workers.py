"""A worker killed with `kill -9` in the middle of sending 1,000 due reminders, then started
again, sends every one (issue 12, robustness): each reminder reaches the SMS gateway under its
stable id, the gateway never sees a second id for one reminder, and at most the one message that
was on the wire when the worker died is sent again, under the same id (the gateway drops it, as
the README says). Nothing is lost or left PENDING, and none is marked dead.

The worker is `hotel worker` (arq) in a process of its own, on a Redis of the test's own and the
embedded SQLite file; the gateway is a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from arq.connections import RedisSettings, create_pool

from tests.services import ROOT, RedisServer, redis_missing, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or ""),
]
REMINDERS = 1000


class _Gateway(BaseHTTPRequestHandler):
    received: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        time.sleep(0.005)  # a gateway takes a moment: the sweep is still running at the kill
        with self.lock:
            self.received[body["id"]] += 1
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _environment(data_dir: Path, redis_url: str, gateway: str, **extra: str) -> dict:
    environment = {
        key: value for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "ENV", "HOTEL_TEST_DATABASE_URL")
    }
    environment.update(
        DATA_DIR=str(data_dir), ENV="development", PYTHONPATH=str(ROOT), REDIS_URL=redis_url,
        SECRET_KEY="robustness-test-secret-key-0123456789", SMS_GATEWAY_URL=gateway,
        SMS_GATEWAY_SECRET="gateway-secret-0123456789", **extra,
    )
    return environment


def _run(environment: dict, *args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)


def _worker(environment: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "server", "worker"], cwd=ROOT,
                            env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def _wake(redis_url: str) -> None:
    """What a commit does: ask the workers for a delivery run now (not at the next cron tick)."""
    pool = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await pool.enqueue_job("deliver_outbox", _job_id=f"deliver_outbox:{time.time_ns()}")
    finally:
        await pool.aclose()


def _statuses(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        return dict(connection.execute(
            "SELECT status, COUNT(*) FROM outbox_event GROUP BY status").fetchall())


def test_a_worker_killed_mid_sweep_sends_every_reminder_once_after_its_restart(tmp_path):
    _Gateway.received = collections.Counter()
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    redis_server = RedisServer()
    redis_server.start()
    environment = _environment(tmp_path, redis_server.url,
                               f"http://127.0.0.1:{gateway.server_address[1]}/sms")
    log = tmp_path / "worker.log"
    worker = None
    try:
        _run(environment, "-m", "server", "migrate")
        _run(environment, "-m", "tests.seed_reminders", str(REMINDERS))
        worker = _worker(environment, log)
        asyncio.run(_wake(redis_server.url))
        wait_until(lambda: sum(_Gateway.received.values()) >= REMINDERS // 4, seconds=120,
                   what="the sweep under way")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        at_kill = sum(_Gateway.received.values())
        assert at_kill < REMINDERS, "the sweep finished before the kill: nothing was tested"

        # The restarted worker finds the events the dead one had claimed once their lease
        # (5 minutes) has passed: its clock is moved past it instead of waiting.
        worker = _worker({**environment, "CLOCK_OFFSET": "+10m"}, log)
        asyncio.run(_wake(redis_server.url))
        wait_until(lambda: _statuses(tmp_path / "hotel.sqlite3").get("DELIVERED") == REMINDERS,
                   seconds=180, what="every reminder delivered")
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        gateway.shutdown()
        redis_server.stop()

    received = _Gateway.received
    database = tmp_path / "hotel.sqlite3"
    with sqlite3.connect(database) as connection:
        ids = {f"evt_{row[0]}" for row in connection.execute("SELECT id FROM outbox_event")}
    assert set(received) == ids and len(ids) == REMINDERS
    resent = {event: count for event, count in received.items() if count > 1}
    assert sum(resent.values()) - len(resent) <= 1, resent
    assert _statuses(database) == {"DELIVERED": REMINDERS}
