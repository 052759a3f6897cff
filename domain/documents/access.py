"""Who reaches which archived document (P3.2.2 customer files only for authorised staff after
authentication, P6.1.2 access-permission matrix, P0.3 traceability of refused attempts).

The permission matrix answers, for a tier's resource (`document_tier<N>`) and an action, ALL,
OWN or nothing; the API layer asks it and hands the answer in as a `Scope`. The rules of what
an answer means live here:
- ALL reaches every document of the tier, OWN only the documents the caller uploaded;
- a document of a tier the caller may not read looks missing (NOT_FOUND), so its existence
  does not leak; the attempt on an existing document is still audited as DENIED;
- an action refused on a tier is FORBIDDEN and audited as DENIED.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from domain import audit
from domain.actor import Actor
from domain.documents.kinds import tier_resource
from domain.errors import DomainError, ErrorCode
from domain.models import Document
from domain.unit_of_work import record_outcome

# The matrix's answer for one tier and action: "ALL", "OWN" or None (no access).
Scope = str | None
ScopeOf = Callable[[int], Awaitable[Scope]]  # tier -> the caller's read scope


def allows(scope: Scope, actor: Actor, row: Document | None) -> bool:
    if scope == "ALL":
        return True
    return (
        scope == "OWN"
        and row is not None
        and row.uploaded_by_account_id is not None
        and row.uploaded_by_account_id == actor.identity.id
    )


async def _denied(actor: Actor, operation: str, tier: int, action: str, row) -> None:
    await record_outcome(
        actor,
        operation,
        "Document",
        audit.Outcome.DENIED,
        subject_id=row.id if row is not None else None,
        detail=f"needs {tier_resource(tier)}:{action}",
    )


async def require(
    actor: Actor,
    operation: str,
    tier: int,
    action: str,
    scope: Scope,
    row: Document | None = None,
) -> None:
    """Refuse (FORBIDDEN, audited as DENIED) unless `scope` lets the caller `action` the tier
    (and, for OWN, this very document)."""
    if allows(scope, actor, row):
        return
    await _denied(actor, operation, tier, action, row)
    raise DomainError(ErrorCode.FORBIDDEN, f"You may not {action} tier {tier} documents.")


async def readable(actor: Actor, row: Document | None, read_scope_of: ScopeOf) -> bool:
    return row is not None and allows(await read_scope_of(row.tier), actor, row)


async def visible_document(
    actor: Actor, operation: str, pk: int, read_scope_of: ScopeOf
) -> Document:
    """The document if the caller may read it; NOT_FOUND otherwise, as if it did not exist
    (an attempt on an existing document of a hidden tier is audited as DENIED)."""
    row = await Document.get_or_none(id=pk)
    if not await readable(actor, row, read_scope_of):
        if row is not None:
            await _denied(actor, operation, row.tier, "read", row)
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such document.", "documentId")
    return row
