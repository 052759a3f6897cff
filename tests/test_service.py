"""The service as an operator meets it: the `hotel` command, readiness on an unmigrated
database, the committed SDL, and the jobs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from domain.clock import clock
from domain.models import IdempotencyRecord, RefreshToken
from schema import build_schema
from tests.conftest import REDIS_URL, free_port, needs_redis
from workers.jobs import JOBS
from workers.runner import InProcessRunner

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_matches_the_served_schema():
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == build_schema().as_str() + "\n", (
        "schema.graphql is stale: run `hotel export-schema`"
    )


def _hotel(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _wait_for(url: str, process: subprocess.Popen) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_production_refuses_to_serve_an_unmigrated_database_until_migrated(tmp_path):
    env = {
        **os.environ,
        "ENV": "production",
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "s" * 40,
        "ARCHIVE_KEYS": "k1:" + "A" * 43 + "=",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    port = free_port()
    serve = ["serve", "--port", str(port), "--no-seed"]
    process = subprocess.Popen(
        [sys.executable, "-m", "server", *serve],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = _wait_for(f"http://127.0.0.1:{port}/readyz", process)
        assert ready.status_code == 503
        assert "migrations not applied" in ready.json()["reason"]
        blocked = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ me { kind } }"})
        assert blocked.status_code == 503
        assert blocked.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    finally:
        process.terminate()
        process.wait(timeout=30)
    migrated = _hotel("migrate", env=env)
    assert migrated.returncode == 0, migrated.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "server", *serve],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/readyz", process).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_production_refuses_to_seed_demo_data(tmp_path):
    env = {**os.environ, "ENV": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40}
    result = _hotel("seed", env=env)
    assert result.returncode == 2 and "Refusing" in result.stderr


def test_production_requires_a_secret_key(tmp_path):
    env = {**os.environ, "ENV": "production", "DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = _hotel("serve", "--no-seed", "--port", str(free_port()), env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


async def test_jobs_take_their_work_from_due_rows_and_can_run_twice(person):
    staff = await person("cs_rep")
    await RefreshToken.filter(account_id=staff.account.id).update(
        expires_at=clock.now() - dt.timedelta(days=8)
    )
    await IdempotencyRecord.create(
        scope="s", key="k", request_hash="h", expires_at=clock.now() - dt.timedelta(hours=1)
    )
    runner = InProcessRunner(JOBS, tick_seconds=1)
    first = await runner.run_due(force=True)
    second = await runner.run_due(force=True)
    assert first["prune_sessions"] == 1 and first["prune_idempotency_keys"] == 1
    assert second["prune_sessions"] == 0 and second["prune_idempotency_keys"] == 0


def test_arq_worker_settings_declare_every_job():
    from workers.settings import worker_settings

    async def nothing(ctx: dict) -> None:
        return None

    settings = worker_settings("redis://127.0.0.1:6379/1", nothing, nothing)
    assert {f.__name__ for f in settings.functions} == {j.func.__name__ for j in JOBS}
    assert {c.name for c in settings.cron_jobs} == {j.name for j in JOBS}
    assert settings.redis_settings.database == 1


@pytest.mark.parametrize("command", [["--help"], ["export-schema", "-"]])
def test_cli_commands_run(command):
    result = _hotel(*command, env=dict(os.environ))
    assert result.returncode == 0, result.stderr


@needs_redis
async def test_arq_worker_runs_the_same_job_functions_from_redis(runtime):
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker

    from workers.settings import FUNCTIONS

    await IdempotencyRecord.create(scope="s", key="old", request_hash="h",
                                   expires_at=clock.now() - dt.timedelta(hours=1))
    settings = RedisSettings.from_dsn(REDIS_URL)
    pool = await create_pool(settings)
    try:
        job = await pool.enqueue_job("prune_idempotency_keys")
        worker = Worker(functions=FUNCTIONS, redis_settings=settings, burst=True,
                        poll_delay=0.05, handle_signals=False)
        await worker.main()
        await worker.close()
        assert await job.result(timeout=5) == 1
    finally:
        await pool.aclose()
    assert await IdempotencyRecord.all().count() == 0


async def test_a_worker_stopped_while_a_job_runs_still_stops_its_runtime():
    """The stop signal cancels a running job. The worker's close must still run on_shutdown
    (which stops the runtime) instead of ending on the job's CancelledError: the runtime's
    database threads then kept the stopped `hotel worker` alive (seen in the robustness test,
    which waited 30 s for the process after SIGTERM)."""
    import asyncio
    import signal

    from arq import create_pool
    from arq.worker import get_kwargs

    from tests.services import RedisServer
    from workers.settings import ResilientWorker, worker_settings

    stopped: list[bool] = []

    async def nothing(ctx: dict) -> None:
        return None

    async def shutdown(ctx: dict) -> None:
        stopped.append(True)

    server = RedisServer()
    server.start()
    try:
        worker = ResilientWorker(
            **get_kwargs(worker_settings(server.url, nothing, shutdown)), handle_signals=False
        )
        worker._pool = await create_pool(worker.redis_settings)
        running = asyncio.create_task(asyncio.sleep(60))  # a job under way
        worker.tasks["a-job"] = running
        await asyncio.sleep(0)
        worker.handle_sig(signal.SIGTERM)  # what `kill` does: the job is cancelled
        await worker.close()
    finally:
        server.stop()
    assert running.cancelled()
    assert stopped == [True]
