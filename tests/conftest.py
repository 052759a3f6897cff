"""Test harness: a real database (SQLite file by default, PostgreSQL when
HOTEL_TEST_DATABASE_URL is set), optionally real Redis (REDIS_URL), the ASGI app driven through
httpx as a frontend would, and the injectable clock.

On CI (CI=true) the PostgreSQL/Redis run must reach its services: an unreachable one fails the
run instead of skipping."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from moto.server import ThreadedMotoServer
from tortoise import Tortoise

from authz import ratelimit, tokens
from authz.passwords import hash_new_password
from domain import policy_params
from domain.clock import clock
from domain.models import Account
from server import runtime as runtime_module
from server.app import create_app
from server.settings import Settings

DATABASE_URL = os.environ.get("HOTEL_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("REDIS_URL")
ON_CI = os.environ.get("CI") == "true"
PASSWORD = "correct-horse-42"


def reachable(url: str | None, default_port: int) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--policy-report", action="store_true",
                     help="print which POLICY.md clauses are verified by which tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    clauses: dict[str, list[str]] = {}
    for item in items:
        for mark in item.iter_markers("policy"):
            clauses.setdefault(mark.args[0], []).append(item.nodeid)
    config.stash[_CLAUSES] = clauses


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if not config.getoption("--policy-report"):
        return
    clauses = config.stash.get(_CLAUSES, {})
    terminalreporter.section(f"policy clauses verified by tests ({len(clauses)})")
    for clause in sorted(clauses, key=lambda c: [int(p) for p in c[1:].split(".")]):
        terminalreporter.write_line(f"{clause}: {len(clauses[clause])} tests")
        for nodeid in clauses[clause]:
            terminalreporter.write_line(f"    {nodeid}")


_CLAUSES = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    if ON_CI and DATABASE_URL and not reachable(DATABASE_URL, 5432):
        raise pytest.UsageError(f"CI: PostgreSQL at {DATABASE_URL} is unreachable")
    if ON_CI and REDIS_URL and not reachable(REDIS_URL, 6379):
        raise pytest.UsageError(f"CI: Redis at {REDIS_URL} is unreachable")


needs_redis = pytest.mark.skipif(
    not reachable(REDIS_URL, 6379), reason="REDIS_URL is unset or Redis is unreachable"
)
needs_postgres = pytest.mark.skipif(
    not (DATABASE_URL or "").startswith("postgres"),
    reason="runs on PostgreSQL only (set HOTEL_TEST_DATABASE_URL)",
)


async def _reset_postgres_schema(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hotel-data")


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=data_dir,
        database_url=DATABASE_URL or f"sqlite://{data_dir / 'test.sqlite3'}",
        redis_url=REDIS_URL if reachable(REDIS_URL, 6379) else None,
        secret_key="test-secret-key-not-for-production",
        run_jobs_in_process=False,
    )


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[runtime_module.Runtime]:
    if settings.database_url.startswith("postgres"):
        await _reset_postgres_schema(settings.database_url)
    rt = await runtime_module.start(settings, apply_migrations=True)
    assert rt.ready, rt.not_ready_reason
    yield rt
    await runtime_module.stop(rt)


async def _wipe(settings: Settings) -> None:
    connection = Tortoise.get_connection("default")
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values()]
    if settings.database_url.startswith("postgres"):
        await connection.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE;"
        )
    else:
        await connection.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{t}";' for t in tables)
            + "DELETE FROM sqlite_sequence; PRAGMA foreign_keys = ON;"
        )


@pytest.fixture(autouse=True)
async def fresh_state(request, runtime, settings) -> AsyncIterator[None]:
    """Every test starts on an empty database (bar the bootstrap rows) at a known time."""
    await _wipe(settings)
    policy_params.invalidate_cache()
    await runtime_module.bootstrap_data()
    from authz.enforcer import enforcer

    await enforcer.refresh(force=True)
    if isinstance(ratelimit.counter, ratelimit.MemoryCounter):
        ratelimit.use(ratelimit.MemoryCounter())
    else:
        await runtime.redis.flushdb()
    clock.freeze(dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC))
    yield
    clock.reset()


@pytest.fixture(scope="session")
def app(runtime, settings):
    application = create_app(settings, manage_runtime=False)
    application.state.holder["runtime"] = runtime
    return application


@dataclass
class Response:
    status: int
    body: dict
    headers: httpx.Headers

    @property
    def data(self) -> dict | None:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict]:
        return self.body.get("errors") or []

    @property
    def error_codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]


class GraphQLClient:
    """Sends GraphQL documents to the ASGI app over HTTP, as a frontend would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict | None = None,
        *,
        token: str | None = None,
        headers: dict | None = None,
    ) -> Response:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        reply = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=sent
        )
        return Response(reply.status_code, reply.json(), reply.headers)


@pytest.fixture
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hotel.test") as client:
        yield client


@pytest.fixture
def gql(http) -> GraphQLClient:
    return GraphQLClient(http)


_PASSWORD_HASH: list[str] = []


async def make_account(
    email: str, roles: list[str] | None = None, *, kind: str = "STAFF", **fields
) -> Account:
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(await hash_new_password(PASSWORD))
    return await Account.create(
        email=email,
        display_name=email.split("@")[0].title(),
        kind=kind,
        roles=roles or [],
        password_hash=_PASSWORD_HASH[0],
        **fields,
    )


@dataclass
class Person:
    account: Account
    token: str
    refresh_token: str


@pytest.fixture
def person():
    """`await person("director")` -> a staff member with that role and a live access token;
    `await person(kind="GUEST")` -> a guest."""
    counter = iter(range(1, 10_000))

    async def make(role: str | None = None, *, kind: str = "STAFF", **fields) -> Person:
        name = role or kind.lower()
        account = await make_account(
            f"{name}{next(counter)}@test.hotel", [role] if role else [], kind=kind, **fields
        )
        issued = await tokens.issue_session(account)
        return Person(account, issued.access_token, issued.refresh_token)

    return make


@pytest.fixture
def partner(person):
    """`await partner(["bookings:write"])` -> (api token row, secret) created by an admin."""

    async def make(scopes: list[str], name: str = "Partner OTA"):
        admin = await person("admin")
        return await tokens.create_api_token(
            name, scopes, clock.now() + dt.timedelta(days=30), admin.account.id
        )

    return make


# -- S3-compatible stores (moto), shared by the storage and document tests ---------------


@pytest.fixture(scope="session", autouse=True)
def _quiet_moto_request_log() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _start_server() -> ThreadedMotoServer:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    return server


@pytest.fixture(scope="session")
def moto_endpoints() -> Iterator[tuple[str, str]]:
    servers = [_start_server(), _start_server()]
    endpoints = []
    for server in servers:
        host, port = server.get_host_and_port()
        endpoints.append(f"http://{host}:{port}")
    yield endpoints[0], endpoints[1]
    for server in servers:
        server.stop()


@pytest.fixture
def closed_endpoint() -> str:
    """An endpoint on 127.0.0.1 where nothing listens: a store that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(app) -> AsyncIterator[str]:
    """Serve an ASGI app with a real uvicorn on loopback; yields 'host:port'."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_config=None, ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag, no event
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


_authorisations = iter(range(1, 10_000))


async def archived_authorisation(number: int | None = None) -> str:
    """A guest's signed change authorisation on file in the document archive (its row only:
    the booking rules need it to exist, not its content). Returns the document's name."""
    from domain.models import Document

    number = number if number is not None else next(_authorisations) + 5000
    name = f"20261128-{number:04d}-guest-change-authorisation"
    await Document.create(
        archive_id=f"authorisation{number}", name=name, subject="guest change authorisation",
        number=number, document_date=dt.date(2026, 11, 28), tier=2, kind="CUSTOMER_FILE",
        content_type="application/pdf", size=1, sha256="0" * 64, ciphertext_size=1,
        ciphertext_sha256="0" * 64, storage_key=f"tier-2/2026/11/{name}.enc", kek_id="k1",
    )
    return name
