"""Stored versions of the parameters: the one accessor every rule reads through (`get`, and
the typed `params.<name>` built on it), the listing, and `set_parameter`, which keeps every
earlier version (P0.3 traceability, P8.3 policy review). Changed only through an audited
mutation (`setPolicyParameter`)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Max

from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import PolicyParameterVersion
from domain.policy_params.catalogue import ORDERED_PAIRS, PARAMETERS, Parameter
from domain.policy_params.values import parse_value, render


@dataclass(frozen=True)
class CurrentValue:
    parameter: Parameter
    value: Any
    version: int
    updated_at: dt.datetime | None


# Cache of the newest versions. Cleared on every local change; other processes pick a change
# up after at most _TTL seconds.
_TTL = 2.0
_cache: dict[str, tuple[str, int, dt.datetime | None]] | None = None
_cache_loaded_at = 0.0


def invalidate_cache() -> None:
    global _cache
    _cache = None


async def _snapshot() -> dict[str, tuple[str, int, dt.datetime | None]]:
    global _cache, _cache_loaded_at
    if _cache is not None and time.monotonic() - _cache_loaded_at < _TTL:
        return _cache
    newest = (
        await PolicyParameterVersion.annotate(latest=Max("version"))
        .group_by("key")
        .values("key", "latest")
    )
    wanted = {(row["key"], row["latest"]) for row in newest}
    rows = await PolicyParameterVersion.filter(key__in=[k for k, _ in wanted])
    snapshot = {
        row.key: (row.value, row.version, row.created_at)
        for row in rows
        if (row.key, row.version) in wanted
    }
    _cache, _cache_loaded_at = snapshot, time.monotonic()
    return snapshot


async def get(key: str) -> Any:
    """The current typed value of a parameter (the one accessor every rule reads through)."""
    param = PARAMETERS[key]
    stored = (await _snapshot()).get(key)
    if stored is None:
        return param.default
    return parse_value(param, stored[0])


async def current_values() -> list[CurrentValue]:
    snapshot = await _snapshot()
    result = []
    for key, param in PARAMETERS.items():
        stored = snapshot.get(key)
        if stored is None:
            result.append(CurrentValue(param, param.default, 0, None))
        else:
            result.append(CurrentValue(param, parse_value(param, stored[0]), stored[1], stored[2]))
    return result


async def set_parameter(actor: Actor, key: str, raw_value: str, reason: str) -> CurrentValue:
    """Store a new version (call inside an audited unit of work)."""
    param = PARAMETERS.get(key)
    if param is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no policy parameter '{key}'.", "key")
    if not reason or not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the parameter changes.", "reason")
    value = parse_value(param, raw_value)
    for lower, upper in ORDERED_PAIRS:
        if key == lower and value > await get(upper):
            raise DomainError(ErrorCode.OUT_OF_RANGE,
                              f"{key} may not exceed {upper} ({await get(upper)}).", "value")
        if key == upper and value < await get(lower):
            raise DomainError(ErrorCode.OUT_OF_RANGE,
                              f"{key} may not be below {lower} ({await get(lower)}).", "value")
    latest = await PolicyParameterVersion.filter(key=key).order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    row = await PolicyParameterVersion.create(
        key=key,
        value=render(value),
        version=version,
        reason=reason.strip(),
        changed_by_id=actor.account_id,
    )
    invalidate_cache()
    return CurrentValue(param, value, version, row.created_at)
