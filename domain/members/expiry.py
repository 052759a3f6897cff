"""Points expiry (P3.1.2): a lot expires `points_expiry_months` after it was earned, and the
member is told `points_expiry_warning_days` before, once.

Both sweeps are deadline sweeps over `points_lot` rows, batch by batch, each batch in its own
unit of work. A warning is claimed by a conditional UPDATE of `warned_at` in the transaction
that writes the message, and an expiry by the lot's remaining amount under the member's lock,
so a sweep killed between batches and run again sends nothing twice and misses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from domain import i18n
from domain.actor import SYSTEM
from domain.clock import clock
from domain.i18n import t
from domain.members import ledger
from domain.members.messages import recipient_language, tell_member
from domain.models import Member, PointsLot
from domain.policy_params import params
from domain.unit_of_work import audited

BATCH = 200


def _in_window(now: dt.datetime, horizon: dt.datetime):
    return PointsLot.filter(
        warned_at=None, remaining__gt=0, expires_at__gt=now, expires_at__lte=horizon
    )


async def _warn_member(member_id: int, now: dt.datetime, horizon: dt.datetime) -> int:
    """Claim all the member's lots in the window and send one message about them."""
    claimed = await _in_window(now, horizon).filter(member_id=member_id).update(warned_at=now)
    if not claimed:
        return 0
    lots = await PointsLot.filter(
        member_id=member_id, warned_at=now, remaining__gt=0, expires_at__lte=horizon
    )
    points = sum(lot.remaining for lot in lots)
    first = min(lot.expires_at for lot in lots)
    member = await Member.get(id=member_id)
    account, lang = await recipient_language(member)
    values = {"points": points, "date": i18n.format_date(clock.local(first).date(), lang)}
    await tell_member(
        member,
        account,
        "points.expiring",
        t(lang, "{points} points expire soon", **values),
        t(
            lang,
            "{points} of your points expire on {date}. Use them for a stay before then.",
            **values,
        ),
    )
    return 1


async def warn_batch(limit: int = BATCH) -> tuple[int, int]:
    """Warn up to `limit` members with lots inside the warning window not warned yet (one
    batch, one transaction): (members looked at, members warned)."""
    now = clock.now()
    horizon = now + dt.timedelta(days=await params.points_expiry_warning_days)
    member_ids = sorted(
        set(
            await _in_window(now, horizon)
            .order_by("member_id")
            .limit(limit * 20)
            .values_list("member_id", flat=True)
        )
    )[:limit]
    warned = 0
    for member_id in member_ids:
        warned += await _warn_member(member_id, now, horizon)
    return len(member_ids), warned


async def expire_batch(limit: int = BATCH) -> tuple[int, int]:
    """Expire the lots past their expiry (one batch): (lots looked at, points expired)."""
    total = 0
    due = await ledger.lots_due_to_expire(limit)
    for lot_id in due:
        total += await ledger.expire_lot(lot_id)
    return (len(due) if total else 0), total


async def sweep(
    *, batch: int = BATCH, between: Callable[[], Awaitable[None]] | None = None
) -> dict[str, int]:
    """Warn, then expire, batch by batch until nothing is due; `between` runs after every
    committed batch (a test kills the sweep there)."""
    report = {"warned": 0, "expired": 0}
    for key, step, action in (
        ("warned", warn_batch, "warnPointsExpiry"),
        ("expired", expire_batch, "expirePoints"),
    ):
        while True:
            seen, done = await audited(SYSTEM, action, "Member", lambda step=step: step(batch))
            if not seen:
                break
            report[key] += done
            if between is not None:
                await between()
    return report
