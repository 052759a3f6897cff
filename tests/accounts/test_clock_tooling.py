"""Tester tooling of "How it will be checked" (issue 9): the development-only `CLOCK_OFFSET`
setting, applied in every process at start and refused in production, and `hotel run-due`,
which runs every sweep job once and prints its result."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.clock import Clock
from domain.models import AccountToken
from server import runtime as runtime_module
from server.settings import Settings, parse_clock_offset
from tests.conftest import free_port
from workers.jobs import JOBS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("259200", dt.timedelta(days=3)),
        ("-3600", dt.timedelta(hours=-1)),
        ("+72h", dt.timedelta(hours=72)),
        ("1d12h", dt.timedelta(days=1, hours=12)),
        ("90m", dt.timedelta(minutes=90)),
        ("P3D", dt.timedelta(days=3)),
        ("PT72H", dt.timedelta(hours=72)),
        ("-P1DT2H", -dt.timedelta(days=1, hours=2)),
        ("P1W", dt.timedelta(weeks=1)),
    ],
)
def test_clock_offset_formats(text, expected):
    assert parse_clock_offset(text) == expected


@pytest.mark.parametrize("text", ["P", "PT", "3x", "1h2d", "soon", "P3DT"])
def test_a_clock_offset_that_does_not_parse_is_refused(text, tmp_path):
    with pytest.raises(ValidationError):
        Settings(env="development", data_dir=tmp_path, clock_offset=text)


def test_production_refuses_a_clock_offset(tmp_path):
    settings = Settings(
        env="production", data_dir=tmp_path, secret_key="s" * 40, clock_offset="P3D"
    )
    with pytest.raises(RuntimeError, match="CLOCK_OFFSET"):
        runtime_module.configure_domain(settings)


def test_the_offset_survives_a_reset_of_the_clock():
    clock = Clock()
    clock.set_base_offset(dt.timedelta(days=3))
    ahead = clock.now() - dt.datetime.now(dt.UTC)
    clock.advance(dt.timedelta(hours=1))
    clock.reset()
    assert dt.timedelta(days=3) - ahead < dt.timedelta(seconds=5)
    assert clock.now() - dt.datetime.now(dt.UTC) > dt.timedelta(days=2, hours=23)


def _hotel(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_run_due_runs_every_job_once_on_the_moved_clock(settings):
    """`hotel run-due` on the test database (SQLite or PostgreSQL) with the clock three days
    ahead: a token that expires tomorrow by the wall clock is two days past expiry there and is
    pruned, which only the offset explains."""
    now = dt.datetime.now(dt.UTC)
    await AccountToken.create(
        purpose="RESET_PASSWORD", token_hash="a" * 64, expires_at=now + dt.timedelta(days=1)
    )
    await AccountToken.create(
        purpose="RESET_PASSWORD", token_hash="b" * 64, expires_at=now + dt.timedelta(days=5)
    )
    result = _hotel(
        "run-due",
        ENV="test",
        DATA_DIR=str(settings.data_dir),
        DATABASE_URL=settings.database_url,
        SECRET_KEY=settings.secret_key,
        CLOCK_OFFSET="+72h",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    shown = dt.datetime.fromisoformat(lines[0].split()[1])
    assert dt.timedelta(hours=71) < shown - now < dt.timedelta(hours=73)
    assert [line.split(":")[0] for line in lines[1:]] == [job.name for job in JOBS]
    assert "prune_account_tokens: 1" in lines
    assert await AccountToken.filter(token_hash="b" * 64).exists()


def test_production_refuses_to_start_with_a_clock_offset(tmp_path):
    production = {"ENV": "production", "DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 40}
    served = _hotel(
        "serve", "--no-seed", "--port", str(free_port()), CLOCK_OFFSET="P3D", **production
    )
    assert served.returncode != 0 and "CLOCK_OFFSET" in served.stderr
    swept = _hotel("run-due", CLOCK_OFFSET="P3D", **production)
    assert swept.returncode != 0 and "CLOCK_OFFSET" in swept.stderr
