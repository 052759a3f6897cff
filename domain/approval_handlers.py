"""What runs when an approval request ends (P3.1.4 urgent changes, P4.1.1 amounts, P4.1.2
emergency paperwork), registered under stable names.

A pending request stores the name of its handler, not a Python import path, so renaming or
moving a function never strands the requests already waiting. Every module that submits
requests with a handler registers it here with `@handles("name")`; `HANDLER_MODULES` lists
those modules so a process that only sweeps expiries (a worker) knows them too."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

from domain.models import ApprovalRequest

Handler = Callable[[ApprovalRequest], Awaitable[None]]

# Modules that register handlers, imported before a handler is looked up.
HANDLER_MODULES = (
    "domain.authority",
    "domain.bookings.changes",
    "domain.finance.budgets",
    "domain.members.adjustments",
)

_registry: dict[str, Handler] = {}
# Requests stored before handlers had names carry the import path they were submitted with.
_LEGACY_PATHS = {
    "domain.authority:on_emergency_decided": "emergency.decided",
    "domain.authority:on_paperwork_decided": "emergency.paperwork_decided",
    "domain.bookings.changes:on_approval_decided": "booking_change.decided",
}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler called `name`."""

    def register(function: Handler) -> Handler:
        existing = _registry.get(name)
        if existing is not None and existing is not function:
            raise ValueError(f"approval handler {name!r} is registered twice")
        _registry[name] = function
        return function

    return register


def handler_named(name: str) -> Handler:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    function = _registry.get(_LEGACY_PATHS.get(name, name))
    if function is None:
        raise ValueError(f"there is no approval handler called {name!r}")
    return function
