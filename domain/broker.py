"""Wake-ups for live subscribers. The notification rows are the truth; the broker only says
"account N has something new". In-process queues for the embedded default; Redis pub/sub when
`REDIS_URL` is set, so a subscriber hears about notifications produced by any API process.

A wake-up is a hint, never part of a commit: while Redis is unreachable `publish` drops it (and
stops trying for a short back-off) and `listen` keeps re-subscribing in the background, so the
streams fall back to polling the table and resume live delivery once Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from domain.outages import Breaker, unavailable_dependency

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "hotel:notify:"


class InProcessBroker:
    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue]] = defaultdict(set)

    async def publish(self, account_id: int) -> None:
        for queue in list(self._subscribers.get(account_id, ())):
            queue.put_nowait(account_id)

    @contextlib.asynccontextmanager
    async def listen(self, account_id: int) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers[account_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[account_id].discard(queue)

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """`redis` must have no socket (read) timeout, or an idle subscription would time out:
    `publish` is bounded by `timeout` instead."""

    def __init__(self, redis, *, timeout: float = 3.0) -> None:
        self._redis = redis
        self.timeout = timeout
        self.breaker = Breaker("redis broker")

    async def publish(self, account_id: int) -> None:
        await self.breaker.call(
            lambda: asyncio.wait_for(
                self._redis.publish(f"{CHANNEL_PREFIX}{account_id}", "1"), self.timeout
            )
        )

    async def _relay(
        self, channel: str, account_id: int, queue: asyncio.Queue, first_try: asyncio.Event
    ) -> None:
        """Forward messages of `channel` to `queue`; (re)subscribe whenever Redis comes back."""
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(channel)
                self.breaker.succeeded()
                if first_try.is_set():
                    # Anything published while we were not subscribed is in the table: look.
                    queue.put_nowait(account_id)
                first_try.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        queue.put_nowait(account_id)
            except Exception as problem:
                if unavailable_dependency(problem) is None:  # a bug, not an outage
                    raise
                self.breaker.failed(problem)
            finally:
                first_try.set()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(self.breaker.backoff_seconds)

    @contextlib.asynccontextmanager
    async def listen(self, account_id: int) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        first_try = asyncio.Event()
        task = asyncio.create_task(
            self._relay(f"{CHANNEL_PREFIX}{account_id}", account_id, queue, first_try)
        )
        try:
            # Subscribed (or known to be down) before the caller reads the table, so a
            # notification committed after that read always wakes it.
            await first_try.wait()
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        await self._redis.aclose()


broker: InProcessBroker | RedisBroker = InProcessBroker()


def use(new_broker: InProcessBroker | RedisBroker) -> None:
    global broker
    broker = new_broker
