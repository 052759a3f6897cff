"""Upgrading an installation whose audit trail was hash-chained without a key (migration
0002_audit_seals): the old entries keep their place and are taken into the first seal, written
to the archive, and only there; an unkeyed entry anywhere else is reported (P0.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate as run_migrations

from domain import audit, audit_seals
from domain.actor import SYSTEM
from domain.clock import clock
from domain.models import AuditEntry, AuditSeal
from server import db
from tests.conftest import fresh_archive

LEGACY_COLUMNS = (
    "seq, at, actor_kind, actor_id, action, subject_type, subject_id, outcome, detail, "
    "request_id, client_ip, prev_hash, hash"
)


@pytest.fixture
def archive(tmp_path):
    with fresh_archive(tmp_path) as fresh:
        yield fresh


async def _database_at_0001(url: str) -> str:
    await db.close()
    await run_migrations(config=db.tortoise_config(url), target="models.0001_initial")
    await Tortoise.close_connections()
    await db.init(url)
    return url


async def _legacy_entry(url: str, seq: int) -> None:
    values = [seq, clock.now(), "SYSTEM", None, "legacy.action", None, None, "SUCCESS", "",
              None, None, f"{seq - 1:064d}", f"{seq:064d}"]
    marks = ", ".join(
        f"${i}" if url.startswith("postgres") else "?" for i in range(1, len(values) + 1)
    )
    await Tortoise.get_connection("default").execute_query(
        f"INSERT INTO audit_entry ({LEGACY_COLUMNS}) VALUES ({marks})", values
    )


@pytest.mark.policy("P0.3")
async def test_legacy_entries_are_sealed_once_and_new_unkeyed_ones_are_reported(
    scratch_database, archive
):
    url = await _database_at_0001(scratch_database)
    for seq in (1, 2, 3):
        await _legacy_entry(url, seq)
    await run_migrations(config=db.tortoise_config(url))
    await Tortoise.close_connections()
    await db.init(url)

    legacy = await AuditEntry.all().order_by("id")
    assert [(e.id, e.key_id, e.mac) for e in legacy] == [
        (i, None, f"{i:064d}") for i in (1, 2, 3)
    ]
    unsealed = await audit.verify_chain(full=True)
    assert unsealed.ok is False and {p.kind for p in unsealed.broken_entries} == {"UNKEYED"}

    await audit.append_alone(SYSTEM, "after.upgrade")
    await audit_seals.seal_ready(lag=dt.timedelta(0), every=dt.timedelta(0))
    seal = await AuditSeal.get(number=1)
    assert (seal.legacy_through, seal.entry_count) == (3, 4)
    status = await audit.verify_chain(full=True)
    assert status.ok is True and status.checked_entries == 4

    # Stripping the key from a newer entry does not pass it off as a legacy one.
    await AuditEntry.filter(action="after.upgrade").update(key_id=None)
    stripped = await audit.verify_chain(full=True)
    assert stripped.ok is False and [p.kind for p in stripped.broken_entries] == ["UNKEYED"]
