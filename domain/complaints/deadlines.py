"""The 5+X deadlines of complaints (P3.1.9) and the sweep that warns before and escalates after
them.

Counting: days are calendar days of the hotel's time zone (`clock.hotel_timezone`). The day a
complaint is filed is day 0; "within N days" ends at local midnight at the end of day N. A
complaint filed on 28 November at any hour, with 5 response days, must be answered before
4 December 00:00 local time. Both deadlines count from the filing day (the resolution one from
the reopening day after a reopening), so X >= 5 (the catalogue keeps the two ordered).

Each deadline is a `ComplaintDeadline` row. The sweep warns the handler
`complaint_warning_hours` before the due time and, once it has passed unmet, escalates to the
supervisors. Each warning and escalation is claimed by a conditional UPDATE of its stamp inside
the transaction that writes its notifications, timeline event and audit entry, so a sweep
stopped at any point and run again sends nothing twice and misses nothing, and two sweeps at
once send each notice once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from domain import notifications
from domain.actor import SYSTEM
from domain.clock import clock
from domain.complaints.states import ComplaintEventKind, DeadlineKind
from domain.models import Complaint, ComplaintDeadline, ComplaintEvent
from domain.policy_params import params
from domain.unit_of_work import audited


def due_after(start: dt.datetime, days: int) -> dt.datetime:
    """Local midnight at the end of the `days`-th calendar day after `start`'s local date."""
    last_day = clock.local(start).date() + dt.timedelta(days=days + 1)
    return dt.datetime.combine(last_day, dt.time(0), tzinfo=clock.hotel_timezone).astimezone(dt.UTC)


async def open_deadline(complaint: Complaint, kind: DeadlineKind, due_at: dt.datetime) -> None:
    warn_at = due_at - dt.timedelta(hours=await params.complaint_warning_hours)
    await ComplaintDeadline.create(
        complaint_id=complaint.id, kind=kind, due_at=due_at, warn_at=max(warn_at, clock.now())
    )


async def close_deadlines(complaint: Complaint, *kinds: DeadlineKind) -> None:
    """Close the open deadlines of these kinds, recording whether each was met."""
    now = clock.now()
    base = ComplaintDeadline.filter(complaint_id=complaint.id, kind__in=list(kinds), closed_at=None)
    await base.filter(due_at__gt=now).update(closed_at=now, met=True)
    await base.filter(due_at__lte=now).update(closed_at=now, met=False)


# ---- the sweep ----------------------------------------------------------------------------


async def sweep(
    *, batch_size: int = 100, after_batch: Callable[[], Awaitable[None]] | None = None
) -> dict[str, int]:
    """Send due warnings, then due escalations, in batches of claimed rows. `after_batch` runs
    after each batch (the job's progress hook; tests stop the sweep there)."""
    now = clock.now()
    done = {"warned": 0, "escalated": 0}
    phases = (
        (
            "warned",
            "warnComplaintDeadline",
            {"warned_at": None, "warn_at__lte": now, "due_at__gt": now},
            _warn,
        ),
        ("escalated", "escalateComplaint", {"escalated_at": None, "due_at__lte": now}, _escalate),
    )
    for counter, action, due, act in phases:
        last_id = 0
        while True:
            ids = (
                await ComplaintDeadline.filter(closed_at=None, id__gt=last_id, **due)
                .order_by("id")
                .limit(batch_size)
                .values_list("id", flat=True)
            )
            if not ids:
                break
            for deadline_id in ids:
                if await _claimed(action, deadline_id, now, act):
                    done[counter] += 1
            last_id = ids[-1]
            if after_batch is not None:
                await after_batch()
    return done


async def _claimed(action: str, deadline_id: int, now: dt.datetime, act) -> bool:
    async def work() -> Complaint | None:
        return await act(deadline_id, now)

    complaint = await audited(SYSTEM, action, "Complaint", work)
    return complaint is not None


async def _warn(deadline_id: int, now: dt.datetime) -> Complaint | None:
    claimed = await ComplaintDeadline.filter(id=deadline_id, warned_at=None, closed_at=None).update(
        warned_at=now
    )
    if not claimed:
        return None
    deadline = await ComplaintDeadline.get(id=deadline_id)
    complaint = await Complaint.get(id=deadline.complaint_id)
    what = "answered" if deadline.kind == DeadlineKind.RESPOND else "resolved"
    due = clock.local(deadline.due_at).isoformat(timespec="minutes")
    for account_id in await _responsible(complaint):
        await notifications.notify(
            account_id,
            "COMPLAINT_DUE_SOON",
            f"Complaint {complaint.number} must be {what} by {due}",
            subject_type="Complaint",
            subject_id=complaint.id,
        )
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        kind=ComplaintEventKind.WARNED,
        note=f"{deadline.kind} due {due}",
        internal=True,
    )
    return complaint


async def _escalate(deadline_id: int, now: dt.datetime) -> Complaint | None:
    claimed = await ComplaintDeadline.filter(
        id=deadline_id, escalated_at=None, closed_at=None
    ).update(escalated_at=now)
    if not claimed:
        return None
    deadline = await ComplaintDeadline.get(id=deadline_id)
    complaint = await Complaint.get(id=deadline.complaint_id)
    await Complaint.filter(id=complaint.id, escalated_at=None).update(escalated_at=now)
    what = "answered" if deadline.kind == DeadlineKind.RESPOND else "resolved"
    told = set(await notifications.staff_with_roles("supervisor"))
    told.update(await _responsible(complaint))
    for account_id in sorted(told):
        await notifications.notify(
            account_id,
            "COMPLAINT_OVERDUE",
            f"Complaint {complaint.number} was not {what} in time",
            subject_type="Complaint",
            subject_id=complaint.id,
        )
    await ComplaintEvent.create(
        complaint_id=complaint.id,
        kind=ComplaintEventKind.ESCALATED,
        note=f"{deadline.kind} was due {clock.local(deadline.due_at):%Y-%m-%d %H:%M}",
        internal=True,
    )
    return complaint


async def _responsible(complaint: Complaint) -> list[int]:
    """Who answers for a complaint now: its handler and its owner; the customer-service team
    while nobody has taken it."""
    named = {a for a in (complaint.handler_account_id, complaint.owner_account_id) if a}
    if named:
        return sorted(named)
    return await notifications.staff_with_roles("cs_rep")
