"""The monthly analysis run (P3.1.8): each member's consumption behaviour over the history up to
the end of a month, and ranked recommendations made from it, computed set-based in batches.

Opening a month's run copies the stays it reads into `analysis_stay` in one transaction with the
`AnalysisRun` row, so every batch aggregates the same snapshot. A batch is a range of member
ids (`batch_size` members with stays after the cursor); in one transaction it replaces the
range's behaviour and recommendation rows with `INSERT ... SELECT ... GROUP BY` statements,
drops the range's staged stays and moves the run's cursor with a conditional update (from the
cursor it read to the range's end). A run killed between batches resumes after the last
committed batch; two runners racing for a batch cannot both commit it. Memory stays bounded by
the database: Python holds only counters.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import audit
from domain.actor import SYSTEM, Actor
from domain.analysis import sql
from domain.clock import clock
from domain.documents.retention import next_month_start
from domain.errors import DomainError, ErrorCode
from domain.models import AnalysisRun

log = logging.getLogger(__name__)

BATCH_SIZE = 5000
# Bookings copied per statement when a run opens.
STAGE_CHUNK = 200_000
# A member whose last stay began this many days before the month's end is welcomed back.
LAPSED_DAYS = 180


@dataclass(frozen=True)
class Progress:
    month: dt.date
    members_done: int
    members_total: int
    batches_done: int

    @property
    def fraction(self) -> float:
        return 1.0 if not self.members_total else self.members_done / self.members_total


class _Lost(Exception):
    """Another runner committed this batch first: roll back ours."""


def month_label(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str, field: str = "month") -> dt.date:
    """`YYYY-MM` as the first day of that month."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except (AttributeError, ValueError):
        raise DomainError(ErrorCode.INVALID, "Give the month as YYYY-MM.", field) from None


def last_finished_month(today: dt.date | None = None) -> dt.date:
    """The first day of the calendar month before the hotel's current one."""
    first = (today or clock.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _dialect(connection) -> str:
    return sql.POSTGRES if connection.capabilities.dialect == "postgres" else sql.SQLITE


async def _run(connection, statement: str, **values) -> tuple[int, list]:
    text, ordered = sql.bind(statement, values, _dialect(connection))
    return await connection.execute_query(text, ordered)


async def _rows(connection, statement: str, **values) -> list[dict]:
    text, ordered = sql.bind(statement, values, _dialect(connection))
    return await connection.execute_query_dict(text, ordered)


def _utc_shift(month_end: dt.date) -> str:
    """The hotel's UTC offset at the month's end as a SQLite date modifier."""
    moment = dt.datetime.combine(month_end, dt.time(), tzinfo=clock.hotel_timezone)
    offset = moment.utcoffset() or dt.timedelta(0)
    return f"{int(offset.total_seconds() // 60):+d} minutes"


async def _open(month: dt.date) -> AnalysisRun:
    """The month's run: the existing one, or a new one with its stays staged."""
    existing = await AnalysisRun.get_or_none(month=month)
    if existing is not None:
        return existing
    month_end = next_month_start(month)
    try:
        async with in_transaction() as connection:
            run = await AnalysisRun.create(month=month, using_db=connection)
            ids = (await _rows(connection, sql.BOOKING_IDS))[0]
            first, last = ids["first"] or 0, ids["last"] or -1
            for start in range(first, last + 1, STAGE_CHUNK):
                await _run(
                    connection,
                    sql.STAGE[_dialect(connection)],
                    run=run.id,
                    first=start,
                    last=start + STAGE_CHUNK,
                    month_end=month_end,
                    timezone=str(clock.hotel_timezone),
                    shift=_utc_shift(month_end),
                )
            if sql.AFTER_STAGE[_dialect(connection)]:
                await _run(connection, sql.AFTER_STAGE[_dialect(connection)])
            counted = (await _rows(connection, sql.STAGED, run=run.id))[0]
            run.stays_total = int(counted["stays"] or 0)
            run.members_total = int(counted["members"] or 0)
            await run.save(update_fields=["stays_total", "members_total"], using_db=connection)
    except IntegrityError:
        # Another runner opened the month meanwhile: carry on with its run.
        return await AnalysisRun.get(month=month)
    return run


async def _batch(run: AnalysisRun, batch_size: int) -> bool:
    """Analyse the next batch of the run; False when none is left."""
    connection = connections.get("default")
    lo = run.cursor_member_id
    chunk = (await _rows(connection, sql.NEXT_BATCH, run=run.id, lo=lo, size=batch_size))[0]
    if chunk["hi"] is None:
        return False
    hi, members = int(chunk["hi"]), int(chunk["members"])
    month_end = next_month_start(run.month)
    values = {"run": run.id, "lo": lo, "hi": hi, "month": run.month, "now": clock.now()}
    try:
        async with in_transaction() as tx:
            if sql.BATCH_SETTINGS[_dialect(tx)]:
                await _run(tx, sql.BATCH_SETTINGS[_dialect(tx)])
            await _run(tx, sql.CLEAR_RECOMMENDATIONS, month=run.month, lo=lo, hi=hi)
            await _run(tx, sql.CLEAR_BEHAVIOUR, month=run.month, lo=lo, hi=hi)
            await _run(tx, sql.BEHAVIOUR, **values)
            await _run(
                tx,
                sql.RECOMMENDATIONS,
                month=run.month,
                lo=lo,
                hi=hi,
                now=values["now"],
                lapsed=month_end - dt.timedelta(days=LAPSED_DAYS),
            )
            await _run(tx, sql.DROP_STAGED, run=run.id, lo=lo, hi=hi)
            moved, _ = await _run(tx, sql.ADVANCE, run=run.id, lo=lo, hi=hi, members=members)
            if moved != 1:
                raise _Lost
    except (_Lost, IntegrityError):
        log.info("analysis %s: batch after member %s was done by another runner", run.month, lo)
    await run.refresh_from_db()
    return True


async def analyse_month(
    month: dt.date,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[Progress], None] | None = None,
    actor: Actor = SYSTEM,
) -> AnalysisRun:
    """Analyse `month` (its first day), resuming a run that stopped; a finished month is left
    as it is. `on_progress` is called after every committed batch."""
    if month >= clock.today().replace(day=1):
        raise DomainError(
            ErrorCode.INVALID, f"The month {month_label(month)} is not over yet.", "month"
        )
    run = await _open(month)
    while run.status == "RUNNING":
        if on_progress is not None:
            on_progress(Progress(month, run.members_done, run.members_total, run.batches_done))
        if not await _batch(run, max(1, batch_size)):
            await _finish(run, actor)
            await run.refresh_from_db()
    if on_progress is not None:
        on_progress(Progress(month, run.members_done, run.members_total, run.batches_done))
    return run


async def _finish(run: AnalysisRun, actor: Actor) -> None:
    """Mark the run done with its audit entry, in one transaction; a runner that finds it done
    already writes nothing (so two racing runners leave one entry)."""
    async with in_transaction() as connection:
        done = (
            await AnalysisRun.filter(id=run.id, status="RUNNING")
            .using_db(connection)
            .update(status="DONE", finished_at=clock.now())
        )
        if not done:
            return
        await _run(connection, sql.DROP_RUN_STAGED, run=run.id)
        await audit.append(
            actor,
            "analyseMembers",
            subject_type="AnalysisRun",
            subject_id=run.id,
            detail=f"{month_label(run.month)}: {run.members_total} members, "
            f"{run.stays_total} stays",
        )


async def analyse_last_month() -> AnalysisRun | None:
    """The job: analyse the last finished month once (a finished run is not repeated)."""
    month = last_finished_month()
    done = await AnalysisRun.filter(month=month, status="DONE").exists()
    return None if done else await analyse_month(month)


async def latest_month() -> dt.date | None:
    """The latest month whose analysis finished: what recommendations are read from."""
    run = await AnalysisRun.filter(status="DONE").order_by("-month").first()
    return run and run.month
