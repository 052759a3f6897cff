"""Wake-ups for live subscribers. The notification rows are the truth; the broker only says
"account N has something new". In-process queues for the embedded default; Redis pub/sub when
`REDIS_URL` is set, so a subscriber hears about notifications produced by any API process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "hotel:notify:"
SUBSCRIBE_TIMEOUT_SECONDS = 5.0


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
    def __init__(self, redis) -> None:
        self._redis = redis

    async def publish(self, account_id: int) -> None:
        await self._redis.publish(f"{CHANNEL_PREFIX}{account_id}", "1")

    @contextlib.asynccontextmanager
    async def listen(self, account_id: int) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(f"{CHANNEL_PREFIX}{account_id}")
        # Redis confirms the subscription with a message of its own: once it is read, a wake-up
        # published by any process is heard, so the caller need not wait and hope.
        confirmed = await pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT_SECONDS)
        if not confirmed or confirmed.get("type") != "subscribe":
            log.warning("no subscription confirmation from Redis", extra={"account": account_id})

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    queue.put_nowait(account_id)

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()


broker: InProcessBroker | RedisBroker = InProcessBroker()


def use(new_broker: InProcessBroker | RedisBroker) -> None:
    global broker
    broker = new_broker
