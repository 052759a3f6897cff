"""The one check every Query, Mutation and Subscription field goes through (P6.1.2).

A field declares `extensions=[requires("booking", "read")]`. The check asks the Casbin matrix
for the caller's access (ALL, OWN or none), remembers the answer in the request context for the
resolver's ownership filter, and refuses with FORBIDDEN (or UNAUTHENTICATED for an anonymous
caller). A refused mutation of a signed-in caller is written to the audit trail (P0.3); one of
an anonymous caller is a rate-limited log line (`audit.refused_anonymous`).
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import OperationType
from strawberry.permission import BasePermission, PermissionExtension

from authz.enforcer import enforcer
from domain import audit
from domain.unit_of_work import record_outcome
from schema.types.errors import forbidden, unauthenticated


class Allow(BasePermission):
    def __init__(self, resource: str, action: str) -> None:
        self.resource = resource
        self.action = action

    async def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        context = info.context
        decision = await enforcer.decide(context.identity, self.resource, self.action)
        context.access[(self.resource, self.action)] = decision
        if decision is not None:
            return True
        detail = f"needs {self.resource}:{self.action}"
        if not context.identity.is_authenticated:
            if info.operation.operation == OperationType.MUTATION:
                audit.refused_anonymous(
                    context.actor, info.field_name, subject_type=self.resource, detail=detail
                )
            raise unauthenticated()
        if info.operation.operation == OperationType.MUTATION:
            await record_outcome(
                context.actor, info.field_name, self.resource, audit.Outcome.DENIED, detail=detail
            )
        raise forbidden(f"You may not {self.action} {self.resource.replace('_', ' ')}.")


def requires(resource: str, action: str) -> PermissionExtension:
    return PermissionExtension(permissions=[Allow(resource, action)], use_directives=False)
