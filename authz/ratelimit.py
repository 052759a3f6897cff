"""Fixed-window counters for request budgets and log-in throttling.

In-process counters for the embedded single-process default; Redis counters when `REDIS_URL` is
set, so every API process shares one budget per token, user and client address. While Redis is
unreachable, `FallbackCounter` counts in the process instead (each process then enforces the
budget on its own share of the traffic) and tries Redis again after a short back-off: an outage
of Redis never refuses a request or a log-in.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from domain.outages import SharedOrLocal


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after_seconds: int


class MemoryCounter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(
        self, key: str, limit: int, window_seconds: int, now: float | None = None
    ) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        current_window, count = self._windows.get(key, (window, 0))
        if current_window != window:
            count = 0
        count += 1
        self._windows[key] = (window, count)
        if len(self._windows) > 100_000:  # drop stale windows so memory stays bounded
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        retry = math.ceil((window + 1) * window_seconds - now)
        return Verdict(count <= limit, count, retry)

    async def peek(self, key: str, window_seconds: int, now: float | None = None) -> int:
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        current_window, count = self._windows.get(key, (window, 0))
        return count if current_window == window else 0

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisCounter:
    def __init__(self, redis) -> None:
        self._redis = redis

    async def hit(
        self, key: str, limit: int, window_seconds: int, now: float | None = None
    ) -> Verdict:
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        redis_key = f"hotel:rl:{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 5)
            count, _ = await pipe.execute()
        retry = math.ceil((window + 1) * window_seconds - now)
        return Verdict(count <= limit, int(count), retry)

    async def peek(self, key: str, window_seconds: int, now: float | None = None) -> int:
        now = time.time() if now is None else now
        value = await self._redis.get(f"hotel:rl:{key}:{int(now // window_seconds)}")
        return int(value or 0)

    async def reset(self, key: str) -> None:
        keys = [k async for k in self._redis.scan_iter(match=f"hotel:rl:{key}:*")]
        if keys:
            await self._redis.delete(*keys)


class FallbackCounter(SharedOrLocal):
    """The shared (Redis) counter, or the process's own while the shared one is unreachable
    (after a connection failure, for a short back-off, then Redis is tried again)."""

    def __init__(self, shared) -> None:
        super().__init__(shared, MemoryCounter(), "redis counters")

    # The counter API, whatever its arguments: hit(key, limit, window_seconds, now),
    # peek(key, window_seconds, now), reset(key, ...); other methods both kinds share are
    # passed on the same way.
    async def hit(self, *args, **kwargs) -> Verdict:
        return await self._call("hit", *args, **kwargs)

    async def peek(self, *args, **kwargs) -> int:
        return await self._call("peek", *args, **kwargs)

    async def reset(self, *args, **kwargs) -> None:
        return await self._call("reset", *args, **kwargs)


counter: MemoryCounter | RedisCounter | FallbackCounter = MemoryCounter()


def use(new_counter: MemoryCounter | RedisCounter | FallbackCounter) -> None:
    global counter
    counter = new_counter
