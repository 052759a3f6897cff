"""The viewer's notifications: tasks assigned, approvals waiting, deadlines near (P7.1.1).
Written in the producing transaction; live subscribers are woken once it commits."""

from __future__ import annotations

from domain import broker as broker_module
from domain.clock import clock
from domain.models import Account, Notification
from domain.unit_of_work import after_commit


async def notify(
    account_id: int,
    kind: str,
    title: str,
    body: str = "",
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
) -> Notification:
    row = await Notification.create(
        account_id=account_id,
        kind=kind,
        title=title,
        body=body,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
    )

    async def wake() -> None:
        await broker_module.broker.publish(account_id)

    after_commit(wake)
    return row


async def notify_many(
    account_ids: list[int],
    kind: str,
    title: str,
    body: str = "",
    *,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
) -> None:
    """The same notice to many accounts in one statement (a meeting's participants)."""
    ids = sorted(set(account_ids))
    await Notification.bulk_create(
        [
            Notification(
                account_id=account_id,
                kind=kind,
                title=title,
                body=body,
                subject_type=subject_type,
                subject_id=None if subject_id is None else str(subject_id),
            )
            for account_id in ids
        ]
    )

    async def wake() -> None:
        for account_id in ids:
            await broker_module.broker.publish(account_id)

    if ids:
        after_commit(wake)


async def newer_than(account_id: int, last_id: int, limit: int = 100) -> list[Notification]:
    return (
        await Notification.filter(account_id=account_id, id__gt=last_id).order_by("id").limit(limit)
    )


async def mark_read(account_id: int, notification_ids: list[int]) -> int:
    return await Notification.filter(
        account_id=account_id, id__in=notification_ids, read_at=None
    ).update(read_at=clock.now())


async def staff_with_roles(*roles: str) -> list[int]:
    """Ids of the active staff accounts holding any of `roles`: who gets told (P7.1.1)."""
    wanted = set(roles)
    accounts = await Account.filter(kind="STAFF", is_active=True).only("id", "roles")
    return [a.id for a in accounts if wanted.intersection(a.roles or [])]
