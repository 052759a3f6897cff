"""Domain-layer test harness: every test starts on the suite's migrated database emptied (the
wipe of tests/conftest.py, a few milliseconds, instead of migrating a new database per test),
the frozen injectable clock and the platform's secrets (voucher, audit and personal-data keys)
as the runtime configured them. No server, no GraphQL: services are called inside `audited`
units of work, as the resolvers call them.

This `fresh_state` replaces the suite-wide one of tests/conftest.py for the tests in this folder:
it leaves out what only the API needs (default permission grants, the rate-limit counters)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from domain_support import NOW, Hotel, make_hotel

from domain import audit_verify, policy_params
from domain.clock import clock
from tests.conftest import wipe_database


@pytest.fixture(autouse=True)
async def fresh_state(runtime, settings) -> AsyncIterator[str]:
    await wipe_database(settings)
    audit_verify.forget()  # what this process verified belonged to the wiped database
    policy_params.invalidate_cache()
    clock.freeze(NOW)
    try:
        yield settings.database_url
    finally:
        clock.reset()
        policy_params.invalidate_cache()


@pytest.fixture
async def hotel() -> Hotel:
    return await make_hotel()
