"""How many live sockets each caller holds open, so a cap per account or API token
(`max_open_sockets_per_account`, P6.1.2) holds across every API process.

In-process sets for the embedded single-process default; with `REDIS_URL` one Redis sorted set
per caller whose members are socket ids scored by a lease deadline. Open sockets renew their
lease while they live, so the slots of a process that died free themselves when the lease runs
out instead of blocking the account for good. Leases use the real wall clock: they track whether
a process is alive, not business time."""

from __future__ import annotations

import time
from collections import defaultdict

# A socket renews its lease every LEASE_SECONDS / 3; a crashed process's sockets stop counting
# after LEASE_SECONDS.
LEASE_SECONDS = 90


class MemorySocketSlots:
    def __init__(self) -> None:
        self._open: dict[str, set[str]] = defaultdict(set)

    async def take(self, holder: str, socket_id: str, cap: int) -> bool:
        """Count `socket_id` as open for `holder` unless `cap` sockets already are."""
        held = self._open[holder]
        if socket_id not in held and len(held) >= cap:
            return False
        held.add(socket_id)
        return True

    async def renew(self, holder: str, socket_id: str) -> None:
        """Nothing to renew: a process's own memory cannot outlive it."""

    async def release(self, holder: str, socket_id: str) -> None:
        held = self._open.get(holder)
        if held is not None:
            held.discard(socket_id)
            if not held:
                del self._open[holder]

    async def count(self, holder: str) -> int:
        return len(self._open.get(holder, ()))


# Drop expired leases, then add this socket if the holder is under the cap: one atomic step, so
# two processes admitting the same account at once cannot both take the last slot.
_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[4]) == false
   and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisSocketSlots:
    def __init__(self, redis) -> None:
        self._redis = redis
        self._take = redis.register_script(_TAKE)

    @staticmethod
    def _key(holder: str) -> str:
        return f"hotel:sockets:{holder}"

    async def take(self, holder: str, socket_id: str, cap: int) -> bool:
        now = time.time()
        taken = await self._take(
            keys=[self._key(holder)],
            args=[now, cap, now + LEASE_SECONDS, socket_id, LEASE_SECONDS + 5],
        )
        return bool(taken)

    async def renew(self, holder: str, socket_id: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._key(holder), {socket_id: time.time() + LEASE_SECONDS})
            pipe.expire(self._key(holder), LEASE_SECONDS + 5)
            await pipe.execute()

    async def release(self, holder: str, socket_id: str) -> None:
        await self._redis.zrem(self._key(holder), socket_id)

    async def count(self, holder: str) -> int:
        return int(await self._redis.zcount(self._key(holder), time.time(), "+inf"))


slots: MemorySocketSlots | RedisSocketSlots = MemorySocketSlots()


def use(new_slots: MemorySocketSlots | RedisSocketSlots) -> None:
    global slots
    slots = new_slots
