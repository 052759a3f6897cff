"""Staff accounts and the HR filing of authorisation changes."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.governance import AuthorizationChange
from schema.types.mapping import from_row


@strawberry.type
class StaffAccount(relay.Node):
    id: relay.NodeID[int]
    email: str
    display_name: str
    roles: list[str]
    is_active: bool
    request_budget: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row) -> StaffAccount:
        return from_row(cls, row, roles=list(row.roles))


@strawberry.input
class CreateStaffAccountInput:
    email: str
    display_name: str
    roles: list[str]
    password: str
    reason: str


@strawberry.input
class UpdateStaffAccountInput:
    account_id: relay.GlobalID
    reason: str
    roles: list[str] | None = None
    is_active: bool | None = None
    request_budget: int | None = None


@strawberry.type
class StaffAccountPayload:
    account: StaffAccount | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the change waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AcknowledgeAuthorizationChangeInput:
    id: relay.GlobalID


@strawberry.type
class AuthorizationChangePayload:
    authorization_change: AuthorizationChange | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AuthorizationChangeFilter:
    unacknowledged_only: bool = False
    kind: str | None = None
