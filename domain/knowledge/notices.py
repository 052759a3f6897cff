"""Notices to staff (P7.1.1): a staff member addresses departments, roles or named colleagues;
each recipient is told in the app and, for an important notice, by e-mail through the outbox,
all in the transaction that records the notice. Its delivery state is read back from the
notifications (read or not) and the outbox events (pending, delivered, failed) it made.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from domain import notifications, outbox
from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.errors import required_text as text
from domain.i18n import N_
from domain.knowledge import audience as audiences
from domain.models import Account, Notice, NoticeRecipient, Notification, OutboxEvent

MAX_TITLE = 200
MAX_BODY = 10_000
TOPIC = "notice.sent"
KIND = "NOTICE"


async def send(
    actor: Actor, title: str, body: str, audience: audiences.Audience, *, by_email: bool
) -> Notice:
    """Record a notice and tell its recipients (inside the caller's unit of work)."""
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Notices are sent by staff.", "audience")
    heading = text(title, "title", MAX_TITLE, N_("Give the notice a title."))
    content = text(body, "body", MAX_BODY, N_("Write the notice."))
    if audience.empty:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Address the notice to a department, a role or named staff.",
            "audience",
        )
    recipients = [
        a
        for a in audiences.members(audience, await audiences.active_staff())
        if a.id != actor.account_id
    ]
    if not recipients:
        raise DomainError(
            ErrorCode.NOT_FOUND, "Nobody else active is in that audience.", "audience"
        )
    notice = await Notice.create(
        title=heading,
        body=content,
        sent_by_account_id=actor.account_id,
        audience=audience.as_json(),
        by_email=by_email,
        recipient_count=len(recipients),
    )
    await notifications.notify_many(
        [a.id for a in recipients],
        KIND,
        heading,
        content[:2000],
        subject_type="Notice",
        subject_id=notice.id,
    )
    events: dict[int, int] = {}
    if by_email:
        # One event per recipient, so each e-mail's delivery can be followed.
        for account in recipients:
            event = await outbox.enqueue_message(
                outbox.EMAIL,
                to=account.email,
                subject=heading,
                body=content,
                topic=TOPIC,
                ref=f"notice:{notice.id}",
            )
            events[account.id] = event.id
    await NoticeRecipient.bulk_create(
        [
            NoticeRecipient(notice_id=notice.id, account_id=a.id, outbox_event_id=events.get(a.id))
            for a in recipients
        ]
    )
    return notice


def visible_query(account_id: int | None, *, everything: bool):
    """The notices a reader sees: all of them, or those they sent or received."""
    if everything:
        return Notice.all()
    received = NoticeRecipient.filter(account_id=account_id or 0).values("notice_id")
    return Notice.filter(Q(sent_by_account_id=account_id or 0) | Q(id__in=Subquery(received)))


async def list_notices(
    account_id: int | None, *, everything: bool, received_only: bool, first: int, after_id
):
    query = visible_query(account_id, everything=everything)
    if received_only:
        received = NoticeRecipient.filter(account_id=account_id or 0).values("notice_id")
        query = query.filter(id__in=Subquery(received))
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def is_visible(notice: Notice, account_id: int | None) -> bool:
    return notice.sent_by_account_id == account_id or (
        account_id is not None
        and await NoticeRecipient.exists(notice_id=notice.id, account_id=account_id)
    )


# ---- delivery state -------------------------------------------------------------------------


class EmailState:
    NOT_SENT = "NOT_SENT"  # the notice went out in the app only
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # the outbox gave up (dead): an admin may redeliver it
    PURGED = "PURGED"  # delivered and since removed after communication_retention_days


@dataclass(frozen=True)
class Delivery:
    account: Account | None
    account_id: int
    read_at: object
    email: str


async def deliveries(notice_ids: list[int]) -> dict[int, list[Delivery]]:
    """Each notice's recipients with whether they read it in the app and where its e-mail is,
    for a page of notices in four queries."""
    found: dict[int, list[Delivery]] = {i: [] for i in notice_ids}
    if not notice_ids:
        return found
    rows = await NoticeRecipient.filter(notice_id__in=notice_ids).order_by("id")
    read = {
        (int(n.subject_id), n.account_id): n.read_at
        for n in await Notification.filter(
            subject_type="Notice", subject_id__in=[str(i) for i in notice_ids]
        ).only("subject_id", "account_id", "read_at")
    }
    event_ids = [r.outbox_event_id for r in rows if r.outbox_event_id is not None]
    status = (
        dict(await OutboxEvent.filter(id__in=event_ids).values_list("id", "status"))
        if event_ids
        else {}
    )
    people = {a.id: a for a in await Account.filter(id__in=sorted({r.account_id for r in rows}))}
    for r in rows:
        if r.outbox_event_id is None:
            email = EmailState.NOT_SENT
        else:
            state = status.get(r.outbox_event_id)
            email = {
                outbox.Status.PENDING: EmailState.PENDING,
                outbox.Status.DELIVERED: EmailState.DELIVERED,
                outbox.Status.DEAD: EmailState.FAILED,
                None: EmailState.PURGED,
            }.get(state, EmailState.PENDING)
        found[r.notice_id].append(
            Delivery(
                people.get(r.account_id), r.account_id, read.get((r.notice_id, r.account_id)), email
            )
        )
    return found
