"""Test harness: a real database (SQLite file by default, PostgreSQL when
HOTEL_TEST_DATABASE_URL is set), optionally real Redis (REDIS_URL), the ASGI app driven through
httpx as a frontend would, and the injectable clock.

On CI (CI=true) the PostgreSQL/Redis run must reach its services: an unreachable one fails the
run instead of skipping."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from moto.server import ThreadedMotoServer
from tortoise import Tortoise

from authz import ratelimit, tokens
from authz.passwords import hash_new_password
from domain import audit_verify, broker, inventory, job_runs, policy_params, sale_calendar
from domain.clock import clock
from domain.models import Account
from server import db
from server import runtime as runtime_module
from server.app import create_app
from server.settings import Settings
from storage import S3Config, make_client

ON_CI = os.environ.get("CI") == "true"
# pytest-xdist runs the suite in worker processes gw0, gw1, ...; without it there is one ("").
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_INDEX = int(WORKER.removeprefix("gw")) if WORKER.startswith("gw") else 0


def per_worker_database(url: str | None) -> str | None:
    """Each xdist worker has a PostgreSQL database of its own, named after the configured one:
    `.../test` -> `.../test_gw0`, `.../test_gw1`, ... (created on first use)."""
    if not url or not WORKER or not url.startswith("postgres"):
        return url
    parsed = urlparse(url)
    return parsed._replace(path=f"{parsed.path.rstrip('/')}_{WORKER}").geturl()


def per_worker_redis(url: str | None) -> str | None:
    """Each xdist worker flushes a Redis database of its own: the configured number plus the
    worker's index (`redis://host/1` -> db 1 for gw0, db 2 for gw1, ...)."""
    if not url or not WORKER:
        return url
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0) + WORKER_INDEX
    return parsed._replace(path=f"/{number}").geturl()


CONFIGURED_DATABASE_URL = os.environ.get("HOTEL_TEST_DATABASE_URL")
DATABASE_URL = per_worker_database(CONFIGURED_DATABASE_URL)
REDIS_URL = per_worker_redis(os.environ.get("REDIS_URL"))
# Subprocesses the tests start (`hotel ...`) inherit this worker's own services.
for _name, _value in (("HOTEL_TEST_DATABASE_URL", DATABASE_URL), ("REDIS_URL", REDIS_URL)):
    if _value:
        os.environ[_name] = _value
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


CLAUSE = re.compile(r"P\d+(\.\d+)+")
POLICY_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "policy" / "POLICY.md"


def _known_clauses() -> set[str] | None:
    """The clause numbers POLICY.md defines, when the policy sits beside the repository."""
    if not POLICY_FILE.exists():
        return None
    text = POLICY_FILE.read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^- (P\d+(?:\.\d+)+) ", text, re.MULTILINE)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = _known_clauses()
    clauses: dict[str, list[str]] = {}
    for item in items:
        for mark in item.iter_markers("policy"):
            clause = mark.args[0] if len(mark.args) == 1 else None
            if not isinstance(clause, str) or not CLAUSE.fullmatch(clause):
                raise pytest.UsageError(f"{item.nodeid}: policy marker needs one clause number")
            if known is not None and clause not in known:
                raise pytest.UsageError(f"{item.nodeid}: {clause} is not a clause of POLICY.md")
            clauses.setdefault(clause, []).append(item.nodeid)
            # Reports carry their user properties to the xdist controller, which collects nothing.
            item.user_properties.append(("policy", clause))
    config.stash[_CLAUSES] = clauses


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, clause in report.user_properties:
        if key != "policy":
            continue
        marked = _marked.setdefault(clause, [])
        if report.nodeid not in marked:
            marked.append(report.nodeid)
        if report.when == "call" and report.passed:
            _verified.setdefault(clause, []).append(report.nodeid)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """With --policy-report: each clause with the tests that verified it in this run. A test
    counts only if it ran and passed (with xdist the workers' reports arrive here too); a
    clause whose tests were all skipped, failed or deselected is listed apart, unverified."""
    if not config.getoption("--policy-report"):
        return
    clauses = {**config.stash.get(_CLAUSES, {}), **_marked}
    verified = _verified
    order = sorted(clauses, key=lambda c: [int(p) for p in c[1:].split(".")])
    terminalreporter.section(f"policy clauses verified by passing tests ({len(verified)})")
    for clause in order:
        if clause in verified:
            terminalreporter.write_line(f"{clause}: {len(verified[clause])} tests")
            for nodeid in verified[clause]:
                terminalreporter.write_line(f"    {nodeid}")
    unverified = [c for c in order if c not in verified]
    if unverified:
        terminalreporter.section(f"policy clauses marked but not verified in this run "
                                 f"({len(unverified)}: not run, skipped or failed)")
        for clause in unverified:
            terminalreporter.write_line(f"{clause}: {', '.join(clauses[clause])}")


_CLAUSES = pytest.StashKey[dict]()
_marked: dict[str, list[str]] = {}  # clause -> tests that reported, whatever their outcome
_verified: dict[str, list[str]] = {}  # clause -> tests that passed


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


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _create_worker_database(url: str) -> None:
    """The xdist worker's own database, created through the configured one if it is missing."""
    import asyncpg

    name = urlparse(url).path.lstrip("/")
    connection = await asyncpg.connect(_asyncpg_dsn(CONFIGURED_DATABASE_URL or url))
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _reset_postgres_schema(url: str) -> None:
    import asyncpg

    if url != CONFIGURED_DATABASE_URL:
        await _create_worker_database(url)
    connection = await asyncpg.connect(_asyncpg_dsn(url))
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
        # A test database need not survive a power cut: without fsync per commit, the suite
        # waits on the disk neither for its own commits nor for other processes' writes.
        database_url=DATABASE_URL or f"sqlite://{data_dir / 'test.sqlite3'}?synchronous=OFF",
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


@pytest.fixture
async def scratch_database(settings, tmp_path) -> AsyncIterator[str]:
    """An empty database of its own for a test that builds an old schema and upgrades it (the
    suite's database is shared by every test of this worker). Tortoise is pointed back at the
    suite's database afterwards."""
    await db.close()
    if settings.database_url.startswith("postgres"):
        import asyncpg

        base, _, name = settings.database_url.rpartition("/")
        scratch = f"{name}_scratch"
        admin = await asyncpg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{scratch}"')
        finally:
            await admin.close()
        url = f"{base}/{scratch}"
    else:
        url = f"sqlite://{tmp_path / 'scratch.sqlite3'}"
    try:
        yield url
    finally:
        await db.close()
        await db.init(settings.database_url)


async def wipe_database(settings: Settings) -> None:
    """Empty every table (the schema stays): far cheaper than migrating a new database."""
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
    await wipe_database(settings)
    audit_verify.forget()  # what this process verified belonged to the wiped database
    job_runs.forget()  # so were the job heartbeats it last wrote
    policy_params.invalidate_cache()
    inventory.forget_room_types()  # the wipe removed them
    sale_calendar.calendar.clear()  # and the calendar they were on sale in
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


class _StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())


@contextlib.asynccontextmanager
async def redis_broker() -> AsyncIterator[broker.RedisBroker]:
    """The configured Redis broker; without REDIS_URL, one on a redis-server of the test's own
    (for tests of what another API process's announcements do here)."""
    if isinstance(broker.broker, broker.RedisBroker):
        yield broker.broker
        return
    from redis.asyncio import Redis

    from tests.services import RedisServer

    previous, server = broker.broker, RedisServer()
    server.start()
    relay = broker.RedisBroker(Redis.from_url(server.url))
    broker.use(relay)
    try:
        yield relay
    finally:
        broker.use(previous)
        await relay.close()
        server.stop()


@contextlib.contextmanager
def counting_queries() -> Iterator[_StatementLog]:
    """Collect the SQL statements Tortoise sends while the block runs (`.statements`)."""
    logger = logging.getLogger("tortoise.db_client")
    counter, level = _StatementLog(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


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
        return await tokens.issue_api_token(
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


@functools.cache
def _client_for_endpoint(config: S3Config) -> Any:
    return make_client(config)


def s3_client(config: S3Config) -> Any:
    """A boto3 client for the endpoint and credentials of `config`, shared by every bucket
    there: building a client (a boto3 session loading the S3 model) costs far more CPU than a
    test's requests, and a client is not tied to one bucket."""
    return _client_for_endpoint(dataclasses.replace(config, bucket="any-bucket"))


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

    # The socket is bound here and handed over, so no other process (an xdist worker) can take
    # the port between choosing and listening.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                           log_config=None, ws="websockets-sansio"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag, no event
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


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


@contextlib.contextmanager
def fresh_archive(tmp_path: Path) -> Iterator:
    """A new local archive (primary and backup folders under `tmp_path`) in force for the
    duration, so archived documents of one test (audit seals) start over in the next."""
    from domain.documents import config as documents_config
    from storage import Archive, Keyring, LocalBackend

    archive = Archive(
        Keyring.from_string(Keyring.generate_entry("k1")),
        LocalBackend(tmp_path / "primary", name="primary", durable=False, clock=clock.now),
        LocalBackend(tmp_path / "backup", name="backup", durable=False, clock=clock.now),
        clock=clock.now,
    )
    previous = documents_config.use_archive(archive)
    try:
        yield archive
    finally:
        documents_config.use_archive(previous)
