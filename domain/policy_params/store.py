"""Stored versions of the parameters: the one accessor every rule reads through (`get`, and
the typed `params.<name>` built on it), the listing, and `set_parameter`, which keeps every
earlier version (P0.3 traceability, P8.3 policy review). Changed only through an audited
mutation (`setPolicyParameter`), and only once a second person confirmed it (P6.2.3 dual
review, `domain.dual_review`)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from tortoise.functions import Max

from domain import dual_review
from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import PendingOperation, PolicyParameterVersion
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


async def _check(key: str, raw_value: str, reason: str) -> tuple[Parameter, Any]:
    param = PARAMETERS.get(key)
    if param is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"There is no policy parameter '{key}'.", "key")
    if not reason or not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the parameter changes.", "reason")
    value = parse_value(param, raw_value)
    for lower, upper in ORDERED_PAIRS:
        if key == lower and value > await get(upper):
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"{key} may not exceed {upper} ({await get(upper)}).",
                "value",
            )
        if key == upper and value < await get(lower):
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"{key} may not be below {lower} ({await get(lower)}).",
                "value",
            )
    return param, value


async def set_parameter(actor: Actor, key: str, raw_value: str, reason: str) -> PendingOperation:
    """Request a new version (call inside an audited unit of work). A policy parameter
    changes only after a second person confirms (P6.2.3): this stores the change as a pending
    operation; `_store_version` writes it once confirmed."""
    param, value = await _check(key, raw_value, reason)
    return await dual_review.request(
        actor,
        "policy_parameter.set",
        {
            "key": key,
            "value": render(value),
            "reason": reason.strip(),
            "changed_by_id": actor.account_id,
        },
        summary=f"Set {key} to {render(value)} {param.unit} ({param.clause}): {reason.strip()}",
        permissions=[("policy_parameter", "update")],
        subject_type="PolicyParameter",
        subject_id=key,
    )


@dual_review.operation("policy_parameter.set")
async def _store_version(operation: PendingOperation, checker: Actor) -> dict:
    """Dual-review runner: store the confirmed value (checked again against the current
    values of its ordered pair) as the parameter's next version."""
    args = operation.arguments
    current = await store_version(args["key"], args["value"], args["reason"], args["changed_by_id"])
    return {"key": args["key"], "version": current.version}


async def store_version(
    key: str, raw_value: str, reason: str, changed_by_id: int | None
) -> CurrentValue:
    """Write a new version at once. Only for the dual-review runner and for seeding a fresh
    database (demo data, tests): every change by a person goes through `set_parameter`."""
    param, value = await _check(key, raw_value, reason)
    latest = await PolicyParameterVersion.filter(key=key).order_by("-version").first()
    version = (latest.version if latest else 0) + 1
    row = await PolicyParameterVersion.create(
        key=key,
        value=render(value),
        version=version,
        reason=reason.strip(),
        changed_by_id=changed_by_id,
    )
    invalidate_cache()
    return CurrentValue(param, value, version, row.created_at)
