"""Every "X" of POLICY.md as a named, typed, versioned parameter with a default, unit,
description and clause: declared in `catalogue`, parsed in `values`, stored and read in `store`.

Rules read a value as `await params.cancellation_grace_hours` (typed: int here) or, where the
key is data, `await get(key)`; a value changes only through `set_parameter()`, audited."""

from __future__ import annotations

from domain.policy_params.catalogue import ORDERED_PAIRS, PARAMETERS, Parameter, PolicyCatalogue
from domain.policy_params.store import (
    CurrentValue,
    current_values,
    get,
    invalidate_cache,
    set_parameter,
    store_version,
)
from domain.policy_params.values import parse_value, render

params = PolicyCatalogue(get)

__all__ = [
    "ORDERED_PAIRS",
    "PARAMETERS",
    "CurrentValue",
    "Parameter",
    "PolicyCatalogue",
    "current_values",
    "get",
    "invalidate_cache",
    "params",
    "parse_value",
    "render",
    "set_parameter",
    "store_version",
]
