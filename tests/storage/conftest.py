"""Fixtures for the storage tests: keyrings, local stores, and two real moto S3 servers.

The two ``ThreadedMotoServer`` instances give the primary and the backup their own endpoint,
as in production. Both run in this process and moto keeps one in-memory state per process, so
isolation of the *data* comes from distinct buckets (unique per test); isolation of the
*service* is what the separate endpoints (and a closed port for "store down") exercise. The
servers (``moto_endpoints``) and ``closed_endpoint`` live in ``tests/conftest.py``: the
document tests use them too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from storage import Keyring, LocalBackend, S3Backend, S3Config, create_bucket
from tests.conftest import s3_client

S3Factory = Callable[..., S3Backend]


def pytest_configure(config: pytest.Config) -> None:
    # The project's pyproject registers it too; this keeps the suite warning-free on its own.
    if not any(line.startswith("policy") for line in config.getini("markers")):
        config.addinivalue_line("markers", "policy(clause): the test verifies this policy clause")


def s3_config(endpoint: str, bucket: str, **overrides: object) -> S3Config:
    config = S3Config(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key="testing",
        secret_key="testing",
        addressing_style="path",
        max_attempts=1,
        connect_timeout=2,
        read_timeout=10,
    )
    return replace(config, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def s3_settings() -> Callable[..., S3Config]:
    """``s3_config(endpoint, bucket, **overrides)`` for tests that build a store by hand."""
    return s3_config


@pytest.fixture
def make_s3(moto_endpoints: tuple[str, str]) -> S3Factory:
    """Create a fresh bucket on server 0 ("primary") or 1 ("backup") and return its backend."""

    def factory(role: str = "primary", *, object_lock: bool = False, **overrides: object):
        endpoint = moto_endpoints[0 if role == "primary" else 1]
        bucket = f"{role}-{uuid.uuid4().hex[:20]}"
        config = s3_config(endpoint, bucket, **overrides)
        client = raw_s3_client(config)  # one per endpoint, shared by the buckets there
        create_bucket(config, object_lock=object_lock, client=client)
        return S3Backend(config, name=role, client=client)

    return factory


def raw_s3_client(config: S3Config) -> Any:
    """A plain boto3 client for a bucket, to look at or damage what is stored."""
    return s3_client(config)


@pytest.fixture
def raw_client() -> Callable[[S3Backend], Any]:
    return lambda backend: raw_s3_client(backend.config)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.from_string(Keyring.generate_entry("k1"))


@pytest.fixture
def local_pair(tmp_path) -> tuple[LocalBackend, LocalBackend]:
    return (
        LocalBackend(tmp_path / "primary", name="primary"),
        LocalBackend(tmp_path / "backup", name="backup"),
    )


@pytest.fixture(autouse=True)
def fresh_state() -> None:
    """The storage layer keeps no rows: its tests skip the suite's per-test database reset
    (tests/conftest.py), and so do not start the runtime at all."""
