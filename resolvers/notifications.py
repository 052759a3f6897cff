"""The viewer's notifications: a list, marking read, and the live `notifications` stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import strawberry

from domain import broker as broker_module
from domain import notifications
from domain.models import Notification
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.errors import unauthenticated
from schema.types.governance import Notification as NotificationType
from schema.types.notifications import MarkNotificationsReadInput, MarkNotificationsReadPayload
from schema.types.relay import Connection, paginate, parse_global_id

# Wake-ups can be lost (a process restart, a dropped Redis connection); the stream also looks
# at the table this often, so nothing is missed for longer.
POLL_SECONDS = 15.0


def _account_id(info: strawberry.Info) -> int:
    identity = info.context.identity
    if not identity.is_authenticated or identity.id is None or identity.kind == "PARTNER":
        raise unauthenticated("Notifications belong to a staff or guest log-in.")
    return identity.id


async def my_notifications(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    unread_only: bool = False,
) -> Connection[NotificationType]:
    query = Notification.filter(account_id=_account_id(info))
    if unread_only:
        query = query.filter(read_at=None)
    return await paginate(query, first, after, NotificationType.of)


async def mark_notifications_read(
    info: strawberry.Info, input: MarkNotificationsReadInput
) -> MarkNotificationsReadPayload:
    account_id = _account_id(info)

    async def work() -> int:
        ids = [parse_global_id(i, "Notification", "ids") for i in input.ids]
        return await notifications.mark_read(account_id, ids)

    count, errors = await run_audited(info, "markNotificationsRead", "Notification", work)
    return MarkNotificationsReadPayload(marked=count or 0, errors=errors)


async def notification_stream(
    info: strawberry.Info, since_id: strawberry.ID | None = None
) -> AsyncGenerator[NotificationType, None]:
    account_id = _account_id(info)
    if since_id is not None:
        last_id = parse_global_id(since_id, "Notification", "sinceId")
    else:
        newest = await Notification.filter(account_id=account_id).order_by("-id").first()
        last_id = newest.id if newest else 0
    async with broker_module.broker.listen(account_id) as wakeups:
        while True:
            for row in await notifications.newer_than(account_id, last_id):
                last_id = row.id
                yield NotificationType.of(row)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeups.get(), timeout=POLL_SECONDS)


@register("Notification", "notification")
async def _notification_node(info: strawberry.Info, pk: int, access) -> NotificationType | None:
    # Notifications are always the viewer's own, whatever the grant says.
    row = await Notification.get_or_none(id=pk, account_id=info.context.identity.id or 0)
    return row and NotificationType.of(row)
