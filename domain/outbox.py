"""The transactional outbox: events for other systems and messages for guests, written in the
same transaction as the change they report, delivered afterwards (P3.1.3 voucher and PMS
synchronisation, P7.1.1 notices).

`enqueue()` only inserts a row, so an event exists exactly when its booking change committed.
`OutboxDispatcher.run_once()` (called by a worker job) claims due rows with a conditional UPDATE
of `locked_until` (two workers never send the same row at once), hands each to the adapter of
its destination, and records the outcome: DELIVERED, or a retry after an exponential backoff,
or DEAD after the last attempt. `redeliver()` puts a row back in the queue.

Webhooks (the PMS feed, the SMS gateway) are signed the Standard-Webhooks way, a rule kept here:
HMAC-SHA256 over ``"{webhook-id}.{webhook-timestamp}.{body}"``, sent as the headers `webhook-id`
(stable across retries, so the receiver can de-duplicate), `webhook-timestamp` and
`webhook-signature` (``"v1,<base64>"``). The transports themselves (HTTP, SMTP, log files) are
adapters outside the domain, in `workers/delivery/`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tortoise.expressions import Q

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import OutboxEvent

log = logging.getLogger(__name__)

PMS_WEBHOOK = "PMS_WEBHOOK"
EMAIL = "EMAIL"
SMS = "SMS"


class Status:
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


_wakeup: Callable[[], Awaitable[None]] | None = None


def set_wakeup(callback: Callable[[], Awaitable[None]] | None) -> None:
    """Register what to call once a transaction that enqueued events commits (e.g. enqueue a
    delivery job). Without one, workers find the rows by polling."""
    global _wakeup
    _wakeup = callback


async def enqueue(
    topic: str,
    destination: str,
    payload: dict[str, Any],
    *,
    deliver_after: dt.datetime | None = None,
) -> OutboxEvent:
    """Write an event in the caller's transaction. It is delivered only if that commits."""
    event = await OutboxEvent.create(
        topic=topic,
        destination=destination,
        payload=payload,
        status=Status.PENDING,
        next_attempt_at=deliver_after or clock.now(),
    )
    if _wakeup is not None:
        from domain.unit_of_work import after_commit

        try:
            after_commit(_wakeup)
        except RuntimeError:  # outside a unit of work: the poller will find it
            pass
    return event


async def enqueue_many(topic: str, destination: str, payloads: list[dict[str, Any]]) -> None:
    """Many events of one topic in one statement, in the caller's transaction."""
    await enqueue_all([(topic, destination, payload) for payload in payloads])


async def enqueue_all(events: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
    """Events (topic, destination, payload) of any kinds in one statement, in the caller's
    transaction (a booking's guest messages and its PMS update: one round trip, not three)."""
    if not events:
        return
    now = clock.now()
    await OutboxEvent.bulk_create(
        [
            OutboxEvent(
                topic=topic,
                destination=destination,
                payload=payload,
                status=Status.PENDING,
                next_attempt_at=now,
            )
            for topic, destination, payload in events
        ]
    )
    if _wakeup is not None:
        from domain.unit_of_work import after_commit

        try:
            after_commit(_wakeup)
        except RuntimeError:  # outside a unit of work: the poller will find it
            pass


async def enqueue_message(
    channel: str, *, to: str, subject: str, body: str, topic: str, ref: str | None = None
) -> OutboxEvent:
    """An e-mail or SMS to a guest, delivered through the channel's adapter."""
    return await enqueue(
        *message_event(channel, to=to, subject=subject, body=body, topic=topic, ref=ref)
    )


def message_event(
    channel: str, *, to: str, subject: str, body: str, topic: str, ref: str | None = None
) -> tuple[str, str, dict[str, Any]]:
    """The (topic, destination, payload) of an e-mail or SMS to a guest, for `enqueue_all`."""
    if channel not in (EMAIL, SMS):
        raise ValueError(f"unknown message channel {channel}")
    return topic, channel, {"to": to, "subject": subject, "body": body, "ref": ref}


class Reachable(Protocol):
    """A guest's contact details (a GuestProfile)."""

    email: str | None
    phone: str | None


def contact_channel(contact: Reachable | None) -> str | None:
    """How to reach a guest with one message: e-mail when they gave an address, else SMS
    when they gave a number, else not at all."""
    if contact is None:
        return None
    return EMAIL if contact.email else SMS if contact.phone else None


async def send_to_guest(
    contact: Reachable | None, *, subject: str, body: str, topic: str, ref: str | None = None
) -> str | None:
    """One message to a guest by `contact_channel`; the channel used, None when the guest
    left no address or number (nothing is queued)."""
    channel = contact_channel(contact)
    if channel is not None:
        to = contact.email if channel == EMAIL else contact.phone
        await enqueue_message(channel, to=to, subject=subject, body=body, topic=topic, ref=ref)
    return channel


# ---- webhook signatures (Standard Webhooks) -----------------------------------------------


def decode_secret(secret: str | bytes) -> bytes:
    """A webhook secret as bytes: `whsec_<base64>` (the Standard Webhooks form) or raw text."""
    if isinstance(secret, bytes):
        return secret
    if secret.startswith("whsec_"):
        return base64.b64decode(secret.removeprefix("whsec_"))
    return secret.encode()


def sign_webhook(secret: str | bytes, msg_id: str, timestamp: int, body: str) -> str:
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(decode_secret(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(secret: str | bytes, msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }


def verify_webhook(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: str,
    *,
    tolerance: dt.timedelta = dt.timedelta(minutes=5),
    now: dt.datetime | None = None,
) -> bool:
    """What a receiver checks: a matching `v1` signature and a timestamp within tolerance."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        signatures = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    moment = (now or clock.now()).timestamp()
    if abs(moment - timestamp) > tolerance.total_seconds():
        return False
    expected = sign_webhook(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


# ---- adapters -----------------------------------------------------------------------------


class DeliveryError(Exception):
    """The destination did not accept the event; it will be retried."""


class ChannelAdapter(Protocol):
    async def send(self, event: OutboxEvent) -> None: ...


def envelope(event: OutboxEvent) -> dict[str, Any]:
    """What every destination receives: the event id (stable across retries), type, time and
    payload."""
    return {
        "id": f"evt_{event.id}",
        "type": event.topic,
        "timestamp": event.created_at.isoformat(),
        "data": event.payload,
    }


# ---- delivery -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: dt.timedelta = dt.timedelta(seconds=30)
    max_delay: dt.timedelta = dt.timedelta(hours=6)

    def delay(self, attempts: int) -> dt.timedelta:
        """Wait after the `attempts`-th failed attempt: base, 2x base, 4x base, ... capped."""
        return min(self.base_delay * (2 ** max(0, attempts - 1)), self.max_delay)


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: dict[int, str] = field(default_factory=dict)


class OutboxDispatcher:
    def __init__(
        self,
        adapters: Mapping[str, ChannelAdapter],
        *,
        retry: RetryPolicy | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=5),
    ) -> None:
        self.adapters = dict(adapters)
        self.retry = retry or RetryPolicy()
        self.lease = lease

    async def _claim(self, limit: int) -> list[OutboxEvent]:
        now = clock.now()
        free = Q(locked_until=None) | Q(locked_until__lt=now)
        due = Q(next_attempt_at=None) | Q(next_attempt_at__lte=now)
        candidates = (
            await OutboxEvent.filter(free, due, status=Status.PENDING).order_by("id").limit(limit)
        )
        claimed = []
        for event in candidates:
            got = await OutboxEvent.filter(free, id=event.id, status=Status.PENDING).update(
                locked_until=now + self.lease
            )
            if got == 1:
                claimed.append(event)
        return claimed

    async def run_once(self, limit: int = 50) -> DeliveryReport:
        """Deliver the events that are due now. Safe to run concurrently and repeatedly."""
        report = DeliveryReport()
        for event in await self._claim(limit):
            adapter = self.adapters.get(event.destination)
            try:
                if adapter is None:
                    raise DeliveryError(f"no adapter for destination {event.destination}")
                await adapter.send(event)
            except Exception as exc:  # any failure is retried; the reason is kept on the row
                await self._failed(event, exc, report)
            else:
                await OutboxEvent.filter(id=event.id).update(
                    status=Status.DELIVERED,
                    attempts=event.attempts + 1,
                    delivered_at=clock.now(),
                    locked_until=None,
                    last_error="",
                )
                report.delivered += 1
        return report

    async def _failed(self, event: OutboxEvent, exc: Exception, report: DeliveryReport) -> None:
        attempts = event.attempts + 1
        reason = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        report.errors[event.id] = reason
        if attempts >= self.retry.max_attempts:
            await OutboxEvent.filter(id=event.id).update(
                status=Status.DEAD,
                attempts=attempts,
                last_error=reason[:2000],
                locked_until=None,
                next_attempt_at=None,
            )
            report.dead += 1
            log.warning("outbox event %s is dead after %s attempts: %s", event.id, attempts, reason)
        else:
            await OutboxEvent.filter(id=event.id).update(
                attempts=attempts,
                last_error=reason[:2000],
                locked_until=None,
                next_attempt_at=clock.now() + self.retry.delay(attempts),
            )
            report.retried += 1


async def redeliver(actor: Actor, event_id: int) -> OutboxEvent:
    """Queue a dead (or delivered) event again with a fresh attempt budget (call inside an
    audited unit of work)."""
    event = await OutboxEvent.get_or_none(id=event_id)
    if event is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such outbox event.", "eventId")
    if event.status == Status.PENDING:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The event is still waiting for delivery.", "eventId"
        )
    await OutboxEvent.filter(id=event_id).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=clock.now(),
        locked_until=None,
        last_error="",
        delivered_at=None,
    )
    return await OutboxEvent.get(id=event_id)


def events(*, status: str | None = None, destination: str | None = None):
    """The outbox rows an operator lists, by status and destination, as a query (the API pages
    it)."""
    query = OutboxEvent.all()
    if status:
        query = query.filter(status=status)
    if destination:
        query = query.filter(destination=destination)
    return query
