"""Wake-ups for live subscribers and live sockets. The database rows are the truth; the broker
only says "something changed". In-process queues for the embedded default; Redis pub/sub when
`REDIS_URL` is set, so every API process hears what any process published.

Three kinds of message travel here:
- notification wake-ups: "account N has something new" (one channel per account);
- access changes: "the credentials or rights of this subject changed" for a session
  (`session:<family>`), an account (`account:<id>`) or an API token (`token:<id>`), published
  after sessions are revoked, accounts disabled or changed and API tokens revoked. Every open
  socket of the subject re-checks its credentials and closes when they ended (P6.1.2: a revoked
  credential reaches nothing, over HTTP or over a socket);
- changes of what a process keeps in memory for the hot paths (`calendar:<room type>...`, the
  sale calendar that answers `availability`): each process forgets its copy of the subject.

A message is a hint, never part of a commit: while Redis is unreachable publishing drops it
(and stops trying for a short back-off) and subscriptions keep re-subscribing in the
background, so notification streams fall back to polling the table, sockets to their timer, and
live delivery resumes once Redis is back."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable

from domain.outages import Breaker, unavailable_dependency

log = logging.getLogger(__name__)
CHANNEL_PREFIX = "hotel:notify:"
ACCESS_CHANNEL = "hotel:access"
CHANGE_CHANNEL = "hotel:changes"
# A lost Redis connection is re-subscribed after this pause; sockets also re-check their
# credentials on a timer, so a change published meanwhile is not lost for long.
RESUBSCRIBE_SECONDS = 1.0


# Called with every access change this process hears of, its own included (the in-process
# identity cache of `authz.tokens` forgets the subject's entries). Must not raise or block.
access_change_hooks: list[Callable[[str], None]] = []


# Called with every change of kept data this process hears of, its own included
# (`announce_change`). Must not raise or block.
change_hooks: list[Callable[[str], None]] = []


def _run_hooks(subject: str, hooks: list[Callable[[str], None]] = access_change_hooks) -> None:
    for hook in hooks:
        try:
            hook(subject)
        except Exception:
            log.exception("a change hook failed")


class _AccessFanout:
    """This process's listeners for access changes, by subject."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue]] = defaultdict(set)

    def deliver(self, subject: str) -> None:
        _run_hooks(subject)
        for queue in list(self._listeners.get(subject, ())):
            queue.put_nowait(subject)

    @contextlib.asynccontextmanager
    async def watch(self, subjects: Iterable[str]) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        subjects = tuple(subjects)
        for subject in subjects:
            self._listeners[subject].add(queue)
        try:
            yield queue
        finally:
            for subject in subjects:
                self._listeners[subject].discard(queue)
                if not self._listeners[subject]:
                    del self._listeners[subject]


class InProcessBroker:
    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue]] = defaultdict(set)
        self._access = _AccessFanout()

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

    async def publish_access_change(self, *subjects: str) -> None:
        for subject in subjects:
            self._access.deliver(subject)

    def watch_access(self, subjects: Iterable[str]):
        """A queue that receives each of `subjects` whenever its access changes."""
        return self._access.watch(subjects)

    async def publish_change(self, subject: str) -> None:
        """Nothing to tell: `announce_change` ran this process's hooks."""

    def follow_access_changes(self) -> None:
        """Nothing to subscribe to: every change is published in this process."""

    async def close(self) -> None:
        self._subscribers.clear()


class RedisBroker:
    """`redis` must have no socket (read) timeout, or an idle subscription would time out:
    `publish` is bounded by `timeout` instead."""

    def __init__(self, redis, *, timeout: float = 3.0) -> None:
        self._redis = redis
        self.timeout = timeout
        self.breaker = Breaker("redis broker")
        self._access = _AccessFanout()
        # One subscription per process carries every access change; sockets listen locally.
        self._access_pump: asyncio.Task | None = None
        self._access_subscribed = asyncio.Event()

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

    async def publish_access_change(self, *subjects: str) -> None:
        for subject in subjects:
            await self.breaker.call(
                lambda subject=subject: asyncio.wait_for(
                    self._redis.publish(ACCESS_CHANNEL, subject), self.timeout
                )
            )

    async def publish_change(self, subject: str) -> None:
        await self.breaker.call(
            lambda: asyncio.wait_for(self._redis.publish(CHANGE_CHANNEL, subject), self.timeout)
        )

    def follow_access_changes(self) -> None:
        """Keep this process subscribed to every process's access changes and changes of kept
        data (once per event loop; started again if the task ended, e.g. with a test's
        loop)."""
        if self._access_pump is None or self._access_pump.done():
            self._access_subscribed.clear()
            self._access_pump = asyncio.create_task(self._pump_access_changes())

    @contextlib.asynccontextmanager
    async def watch_access(self, subjects: Iterable[str]) -> AsyncIterator[asyncio.Queue]:
        self.follow_access_changes()
        async with self._access.watch(subjects) as queue:
            # Wait (briefly) until Redis confirmed the subscription, so a change published
            # right after the socket opened is not missed; the socket's timer covers the rest.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._access_subscribed.wait(), timeout=2)
            yield queue

    async def _pump_access_changes(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(ACCESS_CHANNEL, CHANGE_CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") == "subscribe":
                        self._access_subscribed.set()
                    elif message.get("type") == "message":
                        data = message.get("data")
                        subject = data.decode() if isinstance(data, bytes) else data
                        channel = message.get("channel")
                        if channel in (CHANGE_CHANNEL, CHANGE_CHANNEL.encode()):
                            _run_hooks(subject, change_hooks)
                        else:
                            self._access.deliver(subject)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("access-change subscription lost; subscribing again", exc_info=True)
            finally:
                self._access_subscribed.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(RESUBSCRIBE_SECONDS)

    async def close(self) -> None:
        if self._access_pump is not None:
            self._access_pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._access_pump
            self._access_pump = None
        await self._redis.aclose()


broker: InProcessBroker | RedisBroker = InProcessBroker()


def use(new_broker: InProcessBroker | RedisBroker) -> None:
    global broker
    broker = new_broker


async def announce_access_change(*subjects: str) -> None:
    """Tell every process that these subjects' credentials or rights changed. Call it once the
    change is committed (sockets re-read the database when they hear it). A lost announcement
    is not fatal: sockets re-check every operation and on a timer."""
    for subject in subjects:  # this process at once, whatever happens to the publication
        _run_hooks(subject)
    try:
        await broker.publish_access_change(*subjects)
    except Exception:
        log.warning("could not announce an access change", exc_info=True,
                    extra={"subjects": list(subjects)})


async def announce_change(subject: str) -> None:
    """Tell every process that kept data of `subject` changed (call once it is committed): this
    process's hooks at once, the others through Redis. A lost announcement costs at most the
    keeping time of what was kept (see `change_hooks`' users)."""
    _run_hooks(subject, change_hooks)
    try:
        await broker.publish_change(subject)
    except Exception:
        log.warning("could not announce a change", exc_info=True, extra={"subject": subject})
