"""Communication records are kept `communication_retention_days` and then purged (P7.1.5).

The records: notices (with their recipients), recorded phone calls, in-app notifications, and
the e-mails and text messages the outbox has delivered. An outbox event that is still pending
or has failed (dead) is never purged: it is work not yet done, which an admin may redeliver;
PMS webhooks are system synchronisation, not communication, and stay with the outbox.

The job removes what is older than the cutoff in batches of set-based statements (select the
oldest ids, delete those still matching), each batch in one audited transaction, so a killed
run leaves whole batches and a rerun finds nothing it has removed already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from domain import outbox
from domain.actor import SYSTEM
from domain.clock import clock
from domain.models import Notice, NoticeRecipient, Notification, OutboxEvent, PhoneCall
from domain.policy_params import params
from domain.unit_of_work import audited, tag_entry

BATCH = 500
MAX_BATCHES = 40  # per kind and run: a large backlog is worked off over several runs
MESSAGE_DESTINATIONS = (outbox.EMAIL, outbox.SMS)


def _kinds(cutoff: dt.datetime) -> dict[str, tuple[type, Callable]]:
    """Each kind of record: its model and the filter of its rows past retention."""
    return {
        "notices": (Notice, lambda q: q.filter(created_at__lt=cutoff)),
        "phoneCalls": (PhoneCall, lambda q: q.filter(called_at__lt=cutoff)),
        "notifications": (Notification, lambda q: q.filter(created_at__lt=cutoff)),
        "messages": (
            OutboxEvent,
            lambda q: q.filter(
                status=outbox.Status.DELIVERED,
                destination__in=MESSAGE_DESTINATIONS,
                delivered_at__lt=cutoff,
            ),
        ),
    }


async def cutoff() -> dt.datetime:
    return clock.now() - dt.timedelta(days=await params.communication_retention_days)


async def purge(batch: int = BATCH, max_batches: int = MAX_BATCHES) -> dict[str, int]:
    """Remove the communication records past retention; the count of each kind removed."""
    before = await cutoff()
    removed: dict[str, int] = {}
    for name, (model, past) in _kinds(before).items():
        removed[name] = 0
        for _ in range(max_batches):
            ids = list(
                await past(model.all()).order_by("id").limit(batch).values_list("id", flat=True)
            )
            if not ids:
                break

            async def work(model=model, past=past, ids=ids, name=name) -> int:
                if model is Notice:
                    # A notice's time never changes: its recipients go with it.
                    await NoticeRecipient.filter(notice_id__in=ids).delete()
                # Rows that changed meanwhile (an event redelivered) no longer match: kept.
                count = await past(model.filter(id__in=ids)).delete()
                tag_entry(f"{count} {name} before {before.isoformat()}")
                return count

            count = await audited(SYSTEM, "purgeCommunicationRecords", model.__name__, work)
            removed[name] += count
            if len(ids) < batch:
                break
    return removed
