"""Fixed-window counters for request budgets and log-in throttling.

In-process counters for the embedded single-process default; Redis counters when `REDIS_URL` is
set, so every API process shares one budget per token, user and client address. While Redis is
unreachable, `FallbackCounter` counts in the process instead (each process then enforces the
budget on its own share of the traffic) and tries Redis again after a short back-off: an outage
of Redis never refuses a request or a log-in.

A window's counter lives under a name derived from the key and the window's number (time
divided by the window length), so every operation, a reset included, touches one known key: no
operation walks the keyspace (a SCAN per successful log-in grew with the whole database). Each
counter also remembers when it was last hit, which the log-in throttle needs for its growing
delay.
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


@dataclass(frozen=True)
class Window:
    """What a counter holds for the current window."""

    count: int
    last_hit_at: float | None


def _window(now: float | None, window_seconds: int) -> tuple[float, int]:
    now = time.time() if now is None else now
    return now, int(now // window_seconds)


def _retry(window: int, window_seconds: int, now: float) -> int:
    return math.ceil((window + 1) * window_seconds - now)


class MemoryCounter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int, float | None]] = {}

    def _current(self, key: str, window: int) -> tuple[int, float | None]:
        stored_window, count, last = self._windows.get(key, (window, 0, None))
        return (count, last) if stored_window == window else (0, None)

    async def hit(
        self, key: str, limit: int, window_seconds: int, now: float | None = None
    ) -> Verdict:
        now, window = _window(now, window_seconds)
        count = self._current(key, window)[0] + 1
        self._windows[key] = (window, count, now)
        if len(self._windows) > 100_000:  # drop stale windows so memory stays bounded
            self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        return Verdict(count <= limit, count, _retry(window, window_seconds, now))

    async def state(self, key: str, window_seconds: int, now: float | None = None) -> Window:
        now, window = _window(now, window_seconds)
        return Window(*self._current(key, window))

    async def peek(self, key: str, window_seconds: int, now: float | None = None) -> int:
        return (await self.state(key, window_seconds, now)).count

    async def reset(self, key: str, window_seconds: int, now: float | None = None) -> None:
        self._windows.pop(key, None)


class RedisCounter:
    """One Redis hash per counter and window (`n`: hits, `t`: time of the last hit), expiring
    shortly after its window ends."""

    def __init__(self, redis) -> None:
        self._redis = redis

    @staticmethod
    def key_name(key: str, window: int) -> str:
        return f"hotel:rlw:{key}:{window}"

    async def hit(
        self, key: str, limit: int, window_seconds: int, now: float | None = None
    ) -> Verdict:
        now, window = _window(now, window_seconds)
        name = self.key_name(key, window)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(name, "n", 1)
            pipe.hset(name, "t", repr(now))
            pipe.expire(name, window_seconds + 5)
            count, _, _ = await pipe.execute()
        return Verdict(int(count) <= limit, int(count), _retry(window, window_seconds, now))

    async def state(self, key: str, window_seconds: int, now: float | None = None) -> Window:
        now, window = _window(now, window_seconds)
        count, last = await self._redis.hmget(self.key_name(key, window), ["n", "t"])
        return Window(int(count or 0), float(last) if last is not None else None)

    async def peek(self, key: str, window_seconds: int, now: float | None = None) -> int:
        return (await self.state(key, window_seconds, now)).count

    async def reset(self, key: str, window_seconds: int, now: float | None = None) -> None:
        # Only the current window counts, and its name is known: one UNLINK, no SCAN.
        now, window = _window(now, window_seconds)
        await self._redis.unlink(self.key_name(key, window))


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
