"""Per-request context handed to every resolver: who is asking, which request this is, the
dataloaders, and the access decisions already made for this request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authz.enforcer import Access
from authz.identity import ANONYMOUS, Identity
from domain.actor import Actor


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
