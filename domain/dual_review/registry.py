"""The declared high-risk operations of dual review (P6.2.3) and the handlers that run them,
registered under stable names like the approval handlers (`domain.approval_handlers`).

A pending operation stores the name of its operation, never an import path. The module that
owns an operation registers its runner with `@operation(name)`; `OPERATION_MODULES` lists
those modules so any process (API, worker, command line) finds every runner by name.

The declared list (`HIGH_RISK`) is the policy's: an entry point of one of these operations
must store a pending operation instead of acting. `personal_data.export` is run by the
data-subject requests (`domain.privacy_rights.requests`): an export staff ask for waits here.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from domain.actor import Actor
from domain.models import PendingOperation

# The runner gets the stored row (its `arguments` are what runs) and the checker; it returns a
# small JSON-able result kept on the row.
Runner = Callable[[PendingOperation, Actor], Awaitable[dict | None]]
# Called when a pending operation ends without running (rejected or expired).
Closer = Callable[[PendingOperation], Awaitable[None]]

HIGH_RISK: dict[str, str] = {
    "role_grant.set": "Grant or revoke a cell of the permission matrix",
    "staff_account.create": "Create a staff account with its roles",
    "staff_account.update": "Change the roles of a staff account",
    "refund.release": "Release a refund above dual_review_refund_limit for payment",
    "personal_data.export": "Export a person's personal data",
    "policy_parameter.set": "Change a policy parameter",
    "document.delete": "Delete an archived document",
    "archive_keys.rotate": "Re-wrap the archive under its current key",
    "api_token.create": "Create a partner API token with write scopes",
    "employee.hire_over_cap": "Hire above the department's headcount cap (HR review, P2.3)",
    "employee.promote": "Promote an employee: their position and staff roles change (P2.5)",
    "incentive.terminate_contract": "Terminate a staff member's employment contract (P5.2.2)",
}

# Modules that register runners, imported before a runner is looked up.
OPERATION_MODULES = (
    "domain.policy_params.store",
    "domain.bookings.cancellation",
    "domain.documents.retention",
    "domain.documents.rotation",
    "authz.matrix",
    "authz.accounts",
    "authz.tokens",
    "domain.organisation.employees",
    "domain.organisation.promotions",
    "domain.privacy_rights.requests",
    "domain.incentives.ledger",
)


@dataclass(frozen=True)
class Operation:
    name: str
    run: Runner
    # False: the runner works outside one transaction (the archive) and audits itself.
    in_transaction: bool = True
    # Argument keys the checker is not shown (digested all the same), e.g. a password hash.
    hidden: frozenset[str] = field(default_factory=frozenset)
    on_closed: Closer | None = None


_registry: dict[str, Operation] = {}


def operation(
    name: str,
    *,
    in_transaction: bool = True,
    hidden: tuple[str, ...] = (),
) -> Callable[[Runner], Runner]:
    """Register the decorated coroutine as the runner of the declared operation `name`."""
    if name not in HIGH_RISK:
        raise ValueError(f"{name!r} is not a declared high-risk operation")

    def register(function: Runner) -> Runner:
        existing = _registry.get(name)
        if existing is not None and existing.run is not function:
            raise ValueError(f"dual-review operation {name!r} is registered twice")
        _registry[name] = Operation(name, function, in_transaction, frozenset(hidden))
        return function

    return register


def on_closed(name: str) -> Callable[[Closer], Closer]:
    """Register what happens when operation `name` is rejected or expires."""

    def register(function: Closer) -> Closer:
        spec = operation_named(name)
        _registry[name] = Operation(spec.name, spec.run, spec.in_transaction, spec.hidden, function)
        return function

    return register


def load_all() -> None:
    for module in OPERATION_MODULES:
        importlib.import_module(module)


def operation_named(name: str) -> Operation:
    if name not in _registry:
        load_all()
    found = _registry.get(name)
    if found is None:
        raise ValueError(f"there is no dual-review operation called {name!r}")
    return found


def registered() -> dict[str, Operation]:
    load_all()
    return dict(_registry)
