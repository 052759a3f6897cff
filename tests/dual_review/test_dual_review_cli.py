"""Dual review on the command line (P6.2.3): `hotel rotate-archive-keys --as EMAIL` only asks;
a second operator confirms with the digest printed for it, and the domain refuses the maker
and an operator without the right to rotate keys, as it does for the API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.policy("P6.2.3")


def _hotel(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "ENV", "HOTEL_TEST_DATABASE_URL")
    }
    environment.update(
        {
            "DATA_DIR": str(data_dir),
            "ENV": "development",
            "PYTHONPATH": str(ROOT),
            "SECRET_KEY": "cli-test-secret-key-0123456789abcdef",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_key_rotation_from_the_command_line_needs_a_second_operator(tmp_path):
    seeded = _hotel(tmp_path, "seed")
    assert seeded.returncode == 0, seeded.stderr
    asked = _hotel(tmp_path, "rotate-archive-keys", "--as", "techlead@demo.hotel")
    assert asked.returncode == 0, asked.stderr
    operation_id = re.search(r"Operation (\d+) archive_keys.rotate \[PENDING\]", asked.stdout)[1]
    digest = re.search(r"digest\s+([0-9a-f]{64})", asked.stdout)[1]

    listed = _hotel(tmp_path, "pending-operations")
    assert f"Operation {operation_id} archive_keys.rotate [PENDING]" in listed.stdout

    def confirm(email: str, with_digest: str = digest) -> subprocess.CompletedProcess:
        return _hotel(
            tmp_path, "confirm-operation", operation_id, "--as", email, "--digest", with_digest
        )

    own = confirm("techlead@demo.hotel")
    assert own.returncode == 1 and "FORBIDDEN" in own.stderr
    no_right = confirm("agent@demo.hotel")
    assert no_right.returncode == 1 and "FORBIDDEN" in no_right.stderr
    other = confirm("admin@demo.hotel", "0" * 64)
    assert other.returncode == 1 and "CONFLICT" in other.stderr
    done = confirm("admin@demo.hotel")
    assert done.returncode == 0, done.stderr
    assert "[EXECUTED]" in done.stdout and '"rotated"' in done.stdout
    again = confirm("admin2@demo.hotel")
    assert again.returncode == 1 and "ALREADY_DECIDED" in again.stderr
