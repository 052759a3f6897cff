"""Domain-layer test harness: every test gets a freshly migrated database of its own (a new
SQLite file, or the PostgreSQL database of HOTEL_TEST_DATABASE_URL with its schema reset), the
frozen injectable clock, the voucher secret and the personal data keys. No server, no GraphQL:
services are called inside `audited` units of work, as the resolvers call them.

This `fresh_state` replaces the suite-wide one of tests/conftest.py (which needs the ASGI
runtime) for the tests in this folder."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from domain_support import NOW, Hotel, make_hotel

from domain import audit_keys, audit_verify, personal_data, policy_params
from domain.bookings import vouchers
from domain.clock import clock
from domain.personal_data import FieldKeyring
from server import db
from storage import Keyring

DATABASE_URL = os.environ.get("HOTEL_TEST_DATABASE_URL", "")
AUDIT_KEYRING = Keyring([("domain-tests", bytes(range(32)))])


async def _reset_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def _running_runtime_url(request) -> str | None:
    """The database of the suite-wide ASGI runtime, when a test before this one started it:
    its Tortoise connection must be restored after this test switched Tortoise over."""
    for name in ("runtime", "settings"):
        definitions = request._fixturemanager.getfixturedefs(name, request.node) or ()
        if not any(d.cached_result is not None for d in definitions):
            return None
    return request.getfixturevalue("settings").database_url


@pytest.fixture(autouse=True)
async def fresh_state(request, tmp_path) -> AsyncIterator[str]:
    runtime_url = _running_runtime_url(request)
    if DATABASE_URL.startswith("postgres"):
        url = DATABASE_URL
        await _reset_postgres(url)
    else:
        url = f"sqlite://{tmp_path / 'domain.sqlite3'}"
    await db.migrate(url)
    audit_keys.configure(AUDIT_KEYRING)  # as the runtime's configure hook does
    audit_verify.forget()
    policy_params.invalidate_cache()
    vouchers.configure(secret="domain-tests-voucher-secret")
    if not personal_data.configured():  # else the suite-wide runtime's keys stay in force
        personal_data.configure(FieldKeyring.from_masters([("domain-tests", bytes(range(32)))]))
    clock.freeze(NOW)
    try:
        yield url
    finally:
        clock.reset()
        policy_params.invalidate_cache()
        await db.close()
        if runtime_url is not None:
            await db.init(runtime_url)


@pytest.fixture
async def hotel() -> Hotel:
    return await make_hotel()
