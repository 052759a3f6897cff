"""The actor of a domain operation: the caller's identity plus where the request came from.
Every service that writes takes one, so audit entries always say who and which request."""

from __future__ import annotations

from dataclasses import dataclass

from authz.identity import ANONYMOUS, Identity, Kind


@dataclass(frozen=True)
class Actor:
    identity: Identity
    request_id: str | None = None
    client_ip: str | None = None

    @property
    def account_id(self) -> int | None:
        if self.identity.kind in (Kind.STAFF, Kind.GUEST):
            return self.identity.id
        return None

    @property
    def token_id(self) -> int | None:
        return self.identity.id if self.identity.kind == Kind.PARTNER else None


SYSTEM = Actor(identity=Identity(kind=Kind.SYSTEM, display_name="system"))
ANONYMOUS_ACTOR = Actor(identity=ANONYMOUS)
