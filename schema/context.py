"""Per-request context handed to every resolver: who is asking, which request this is, the
dataloaders, and the access decisions already made for this request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.background import BackgroundTasks

from authz.enforcer import Access
from authz.identity import ANONYMOUS, Identity
from domain.actor import Actor

# Work started after a live socket's answer, held so the event loop does not drop it unfinished.
_detached: set[asyncio.Task] = set()


@dataclass
class RequestContext:
    identity: Identity = ANONYMOUS
    request_id: str | None = None
    client_ip: str | None = None
    request: Any = None
    response: Any = None
    connection_params: dict | None = None
    loaders: dict[str, Any] = field(default_factory=dict)
    # (resource, action) -> decision, filled by the permission check of each field.
    access: dict[tuple[str, str], Access | None] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor(identity=self.identity, request_id=self.request_id, client_ip=self.client_ip)

    def loader(self, name: str, factory):
        """One dataloader per name per request, so batches never leak across requests."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]

    def after_response(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` once the answer has been sent, so the caller never waits for it:
        over HTTP as a background task of the response (after its last byte), on a live socket
        (no response object) as a task of its own. The callback must not raise."""

        async def run() -> None:  # a coroutine function, which Starlette awaits in place
            await callback()

        response = self.response
        if response is not None and hasattr(response, "background"):
            if response.background is None:
                response.background = BackgroundTasks()
            response.background.add_task(run)
            return
        task = asyncio.get_running_loop().create_task(run())
        _detached.add(task)
        task.add_done_callback(_detached.discard)
