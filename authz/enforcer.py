"""The one access check every GraphQL field goes through (P6.1.2): deny by default.

`decide(identity, resource, action)` answers ALL (the action on any record), OWN (only on the
identity's own records: a guest's own, a partner token's own creations) or None (refused).
The Casbin enforcer is rebuilt from the `role_grant` table whenever the matrix version changes,
checked at most every couple of seconds, so a grant changed in one API process reaches all.
"""

from __future__ import annotations

import asyncio
import time
from enum import StrEnum
from pathlib import Path

import casbin

from authz import matrix
from authz.identity import Identity, Kind

MODEL_PATH = str(Path(__file__).with_name("model.conf"))
_RECHECK_SECONDS = 2.0


class Access(StrEnum):
    ALL = "ALL"
    OWN = "OWN"


def subjects_of(identity: Identity) -> tuple[str, ...]:
    if identity.kind == Kind.PARTNER:
        # A partner acts through its token's scopes; "partner" alone only reads the viewer.
        return ("partner", *(f"scope:{scope}" for scope in identity.scopes))
    return identity.subjects


class Enforcer:
    def __init__(self) -> None:
        self._casbin: casbin.Enforcer | None = None
        self._version = -1
        self._checked_at = 0.0
        self._lock = asyncio.Lock()
        self._decisions: dict[tuple[tuple[str, ...], str, str], Access | None] = {}

    async def refresh(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._checked_at < _RECHECK_SECONDS:
            return
        async with self._lock:
            version = await matrix.current_version()
            self._checked_at = time.monotonic()
            if version == self._version and self._casbin is not None and not force:
                return
            enforcer = casbin.Enforcer(MODEL_PATH)
            rules = [[r.role, r.resource, r.action] for r in await matrix.live_rules()]
            if rules:
                enforcer.add_policies(rules)
            self._casbin, self._version = enforcer, version
            self._decisions = {}

    async def decide(self, identity: Identity, resource: str, action: str) -> Access | None:
        await self.refresh()
        assert self._casbin is not None
        subjects = subjects_of(identity)
        # A decision depends only on the subjects and the rules: remembered until the rules
        # change (a new enforcer starts with no decisions). Casbin evaluates its matcher for
        # every rule on every call, which cost more than the whole of `{ __typename }`.
        key = (subjects, resource, action)
        try:
            return self._decisions[key]
        except KeyError:
            pass
        decision = None
        if any(self._casbin.enforce(s, resource, action) for s in subjects):
            decision = Access.ALL
        elif any(self._casbin.enforce(s, resource, f"{action}_own") for s in subjects):
            decision = Access.OWN
        if len(self._decisions) >= 100_000:
            self._decisions.clear()
        self._decisions[key] = decision
        return decision


enforcer = Enforcer()
