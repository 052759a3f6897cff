"""Checking that every archived document has its two isolated copies, repairing what can be
repaired from the good copy, and rebuilding the primary store from the backup.

The comparison uses the ciphertext SHA-256 recorded on each `Document` row, so a pair of copies
that agree on wrong bytes is caught too, and a differing pair is resolved in favour of the copy
matching the record. Each run is kept as a `ReplicaCheck` row and in the audit trail; problems
that cannot be repaired are sent to the archive administrators. The scheduled check runs at
most once a day however often the job fires.

Policy: P3.2.5 (important files have two backups on physically isolated devices: the copies
are verified and kept equal), P3.2.1 (integrity evidence of legal documents).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.documents import archive_calls, config
from domain.documents.kinds import Status
from domain.errors import DomainError, ErrorCode
from domain.models import Document, ReplicaCheck
from domain.notifications import notify, staff_with_roles
from domain.unit_of_work import audited, refusals_audited
from storage import RepairResult, ReplicaReport
from storage import replicas as storage_replicas

BATCH = 500
SCHEDULE = dt.timedelta(hours=24)
ADMIN_ROLE = "admin"


def _verify_and_repair(archive, expected: dict[str, str], deep: bool, repair: bool):
    report: ReplicaReport = storage_replicas.verify_replicas(archive, expected, deep=deep)
    repaired: RepairResult | None = (
        storage_replicas.repair(archive, report) if repair and report.problems else None
    )
    return report, repaired


async def verify_replicas(actor: Actor, *, deep: bool = True, repair: bool = False) -> ReplicaCheck:
    """Compare both copies of every active document (and repair them if asked)."""
    async with refusals_audited(actor, "verifyReplicas", "ReplicaCheck"):
        archive = config.archive()
        checked = 0
        problems: list[dict] = []
        repaired: list[str] = []
        failed: list[dict] = []
        last_id = 0
        while True:
            rows = (
                await Document.filter(status=Status.ACTIVE, id__gt=last_id)
                .order_by("id")
                .limit(BATCH)
                .values("id", "name", "storage_key", "ciphertext_sha256")
            )
            if not rows:
                break
            last_id = rows[-1]["id"]
            names = {row["storage_key"]: row["name"] for row in rows}
            expected = {row["storage_key"]: row["ciphertext_sha256"] for row in rows}
            report, repair_result = await archive_calls.run(
                _verify_and_repair, archive, expected, deep, repair
            )
            checked += len(report)
            problems += [
                {
                    "key": e.key,
                    "name": names[e.key],
                    "state": str(e.state),
                    "repairable": e.repairable,
                }
                for e in report.problems
            ]
            if repair_result is not None:
                repaired += list(repair_result.repaired)
                failed += [
                    {
                        "key": f.key,
                        "name": names.get(f.key),
                        "code": str(f.code),
                        "message": f.message,
                    }
                    for f in repair_result.failed
                ]
            if not repair:
                failed += [
                    {"key": e.key, "name": names[e.key], "code": str(e.state), "message": ""}
                    for e in report.problems
                    if not e.repairable
                ]

    async def work() -> ReplicaCheck:
        row = await ReplicaCheck.create(
            deep=deep,
            checked=checked,
            problems=problems,
            repaired=repaired,
            failed=failed,
            started_by_ref=actor.identity.actor_ref,
            finished_at=clock.now(),
        )
        if failed:
            for account_id in await staff_with_roles(ADMIN_ROLE):
                await notify(
                    account_id,
                    "ARCHIVE_REPLICA_PROBLEM",
                    f"{len(failed)} archived document(s) need attention",
                    ", ".join(f["name"] or f["key"] for f in failed)[:1000],
                    subject_type="ReplicaCheck",
                    subject_id=row.id,
                )
        return row

    return await audited(
        actor,
        "verifyReplicas",
        "ReplicaCheck",
        work,
        detail=f"checked {checked}, problems {len(problems)}, repaired {len(repaired)}, "
        f"unresolved {len(failed)}",
    )


async def scheduled_check() -> ReplicaCheck | None:
    """The daily deep check with repair; a no-op if one ran within the last day."""
    since = clock.now() - SCHEDULE
    if await ReplicaCheck.filter(finished_at__gt=since, deep=True).exists():
        return None
    return await verify_replicas(SYSTEM, deep=True, repair=True)


@dataclass(frozen=True)
class Restored:
    restored: list[str]
    unchanged: list[str]
    conflicts: list[str]
    failed: list[str]


async def restore_primary(actor: Actor, *, overwrite: bool = False) -> Restored:
    """Copy to the primary store every document it lacks (after replacing a lost store)."""
    async with refusals_audited(actor, "restoreArchive", "Archive"):
        archive = config.archive()
        if archive.backup is None:
            raise DomainError(ErrorCode.INVALID, "No backup store is configured to restore from.")
        result = await archive_calls.run(
            lambda: storage_replicas.restore_primary(archive, overwrite=overwrite)
        )
    restored = Restored(
        restored=list(result.restored),
        unchanged=list(result.unchanged),
        conflicts=list(result.conflicts),
        failed=[f"{f.key}: {f.code}" for f in result.failed],
    )

    async def work() -> Restored:
        return restored

    return await audited(
        actor,
        "restoreArchive",
        "Archive",
        work,
        detail=f"restored {len(restored.restored)}, unchanged {len(restored.unchanged)}, "
        f"conflicts {len(restored.conflicts)}, failed {len(restored.failed)}"
        + (" (overwrite)" if overwrite else ""),
    )
