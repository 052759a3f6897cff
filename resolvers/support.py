"""The shared shape of a mutation: `run_audited` runs one domain service in an audited unit of
work (change + audit entry + outbox events in one transaction); `run_self_audited` calls a
service that writes its own audit entries (work partly outside one transaction, such as the
archive). Both turn a business-rule refusal into payload errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from authz.enforcer import Access
from domain.errors import DomainError
from domain.unit_of_work import audited
from schema.types.errors import UserError, forbidden, user_errors

T = TypeVar("T")


async def run_audited(
    info: strawberry.Info,
    action: str,
    subject_type: str,
    work: Callable[[], Awaitable[T]],
    *,
    subject_id: str | int | None = None,
) -> tuple[T | None, list[UserError]]:
    """Run `work` in `audited` (this function writes the audit entry)."""
    try:
        result = await audited(
            info.context.actor, action, subject_type, work, subject_id=subject_id
        )
    except DomainError as refusal:
        return None, user_errors(refusal)
    return result, []


async def run_self_audited(
    call: Callable[[], Awaitable[T]],
) -> tuple[T | None, list[UserError]]:
    """Call a domain service that audits itself (this function writes no audit entry)."""
    try:
        return await call(), []
    except DomainError as refusal:
        return None, user_errors(refusal)


def access_of(info: strawberry.Info, resource: str, action: str) -> Access:
    """The access the field's permission check granted: ALL, or OWN (filter to the caller's
    records). The check (`schema.permissions.requires`) records it in the request context."""
    decision = info.context.access.get((resource, action))
    if decision is None:
        raise forbidden()
    return decision
