"""The demo staff form one coherent organisation (P1.1, P2.1), and the structure the migration
writes is the one the code declares."""

from __future__ import annotations

import importlib

import pytest

from domain import departments
from domain.models import Account, Employment
from domain.organisation.structure import STRUCTURE
from server.demo import DEMO_STAFF, seed_demo


@pytest.mark.policy("P2.1")
@pytest.mark.policy("P1.1")
async def test_the_demo_staff_are_hired_along_three_reporting_levels():
    assert await seed_demo()
    rows = await Employment.all().prefetch_related("position", "department", "group")
    accounts = {a.id: a.email for a in await Account.filter(kind="STAFF")}
    by_email = {accounts[r.account_id]: r for r in rows}
    assert set(by_email) == {email for email, _, _ in DEMO_STAFF}
    by_id = {r.id: r for r in rows}

    def boss(email: str) -> str | None:
        row = by_email[email]
        return accounts[by_id[row.supervisor_id].account_id] if row.supervisor_id else None

    # Staff -> supervisor of their group -> director -> the operations committee (P1.1).
    assert boss("agent@demo.hotel") == "supervisor@demo.hotel"
    assert boss("cs@demo.hotel") == "supervisor2@demo.hotel"
    assert boss("supervisor@demo.hotel") == boss("supervisor2@demo.hotel") == "director@demo.hotel"
    assert boss("director@demo.hotel") == "committee@demo.hotel"
    assert by_email["cs@demo.hotel"].group.code == "CUSTOMER_SERVICE"
    # Every account holds the roles of its position.
    for row in rows:
        roles = set((await Account.get(id=row.account_id)).roles)
        assert set(row.position.roles) <= roles, (accounts[row.account_id], row.position.code)
        assert row.years_experience >= 2
    # Heads now come from the records.
    heads = await departments.heads_of("BOOKING_CRM")
    assert sorted(accounts[i] for i in heads) == ["supervisor2@demo.hotel", "supervisor@demo.hotel"]
    assert await departments.department_of_account(
        (await Account.get(email="legal@demo.hotel")).id
    ) == "OPERATIONS"


def test_the_migration_writes_the_declared_structure():
    migration = importlib.import_module("migrations.0021_organisation")
    frozen = [
        (code, name, [tuple(g) for g in groups], [tuple(p) for p in positions])
        for code, name, groups, positions in migration.STRUCTURE
    ]
    declared = [
        (
            d.code,
            d.name,
            list(d.groups),
            [(p.code, p.name, p.level, p.heads, list(p.roles)) for p in d.positions],
        )
        for d in STRUCTURE
    ]
    assert frozen == declared
