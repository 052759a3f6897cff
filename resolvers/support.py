"""The shared shape of a mutation: run one domain service in an audited unit of work (or, for
services that audit themselves, just call it) and turn a business-rule refusal into payload
errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry

from authz.enforcer import Access
from domain.errors import DomainError
from domain.unit_of_work import audited
from schema.types.errors import UserError, forbidden, user_errors

T = TypeVar("T")


async def perform(
    info: strawberry.Info,
    action: str,
    subject_type: str,
    work: Callable[[], Awaitable[T]],
    *,
    subject_id: str | int | None = None,
) -> tuple[T | None, list[UserError]]:
    try:
        result = await audited(
            info.context.actor, action, subject_type, work, subject_id=subject_id
        )
    except DomainError as refusal:
        return None, user_errors(refusal)
    return result, []


async def attempt(call: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a domain service that audits itself (work partly outside one transaction, such as
    the archive); a refusal becomes payload errors."""
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
