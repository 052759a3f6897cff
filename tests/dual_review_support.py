"""Maker-checker helpers for tests that perform a dual-reviewed operation (P6.2.3): the
operation is asked for as the tests always did, then confirmed by a second person, through the
API (`confirm_through_api`) or the domain (`confirm_as_checker`, `set_parameter_reviewed`)."""

from __future__ import annotations

import itertools

from authz.identity import Identity
from domain import dual_review, policy_params
from domain.actor import SYSTEM, Actor
from domain.models import Account, PendingOperation
from domain.unit_of_work import audited

CONFIRM = """mutation($id: ID!, $d: String!) {
  confirmOperation(input: {operationId: $id, argumentsDigest: $d}) {
    operation { id status result failureReason } errors { field code message } } }"""

_checkers = itertools.count(1)


async def confirm_through_api(gql, pending: dict, token: str) -> dict:
    """Confirm a `pendingOperation {id argumentsDigest}` a mutation returned, as `token`."""
    reply = await gql(CONFIRM, {"id": pending["id"], "d": pending["argumentsDigest"]}, token=token)
    return reply.data["confirmOperation"]


async def checker(*roles: str) -> Actor:
    """A second member of staff to confirm with (roles: the operation's right; the domain
    is handed a matrix that says yes, as the tests of the operation are not about it)."""
    n = next(_checkers)
    account = await Account.create(
        email=f"checker{n}@test.hotel",
        password_hash="x",
        display_name=f"Checker {n}",
        kind="STAFF",
        roles=list(roles or ("admin",)),
    )
    return Actor(Identity.of_account(account), request_id=f"check-{n}")


async def _yes(resource: str, action: str) -> bool:
    return True


async def confirm_as_checker(row: PendingOperation, by: Actor | None = None) -> PendingOperation:
    """Confirm a pending operation in the domain as a different person; returns the row."""
    by = by or await checker()
    return await dual_review.confirm(by, row.id, row.arguments_sha256, may=_yes)


async def set_parameter_reviewed(key: str, value: str, reason: str = "test") -> None:
    """Change a policy parameter the way the service does: asked, then confirmed."""
    pending = await audited(
        SYSTEM,
        "setPolicyParameter",
        "PolicyParameter",
        lambda: policy_params.set_parameter(SYSTEM, key, value, reason),
        subject_id=key,
    )
    await confirm_as_checker(pending)
