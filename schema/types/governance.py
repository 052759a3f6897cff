"""Types of the platform's own governance: policy parameters, the permission matrix, the audit
trail and its verification, and the viewer's notifications."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry import relay

from domain import i18n
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.mapping import from_row


@strawberry.type(description="One 'X' of the policy: a named, typed, versioned value.")
class PolicyParameter:
    key: str
    value: str
    value_type: str
    unit: str
    description: str
    clause: str
    version: int
    updated_at: dt.datetime | None
    default_value: str


@strawberry.input
class SetPolicyParameterInput:
    key: str
    value: str
    reason: str


@strawberry.type
class SetPolicyParameterPayload:
    parameter: PolicyParameter | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the change waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="One cell of the access-permission matrix (P6.1.2).")
class PermissionRule:
    role: str
    resource: str
    action: str


@strawberry.input
class SetRoleGrantInput:
    role: str
    resource: str
    action: str
    granted: bool
    reason: str


@strawberry.type(description="A change of authorisation filed with HR (P4.1.5).")
class AuthorizationChange(relay.Node):
    id: relay.NodeID[int]
    kind: str
    role: str
    resource: str
    action: str
    granted: bool
    reason: str
    account_id: strawberry.ID | None
    changed_by_id: strawberry.ID
    changed_at: dt.datetime
    hr_acknowledged_at: dt.datetime | None

    @strawberry.field(description="Every change is filed with HR when it is made.")
    def filed_with_hr(self) -> bool:
        return True

    @classmethod
    def of(cls, row) -> AuthorizationChange:
        return from_row(
            cls,
            row,
            account_id=None
            if row.account_id is None
            else strawberry.ID(f"account:{row.account_id}"),
            changed_by_id=strawberry.ID(f"account:{row.changed_by_id}"),
            changed_at=row.created_at,
        )


@strawberry.type
class SetRoleGrantPayload:
    rule: PermissionRule | None = None
    authorization_change: AuthorizationChange | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the change waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AuditEntry(relay.Node):
    id: relay.NodeID[int]
    seq: int
    at: dt.datetime
    actor_kind: str
    actor_id: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    outcome: str
    detail: str
    request_id: str | None

    @classmethod
    def of(cls, row) -> AuditEntry:
        return from_row(cls, row, seq=row.id)


@strawberry.input
class AuditFilter:
    action: str | None = None
    actor_id: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@strawberry.enum(description="What verification found wrong with one audit entry.")
class AuditEntryProblem(Enum):
    EDITED = "EDITED"
    MOVED = "MOVED"
    REMOVED = "REMOVED"
    INSERTED = "INSERTED"
    UNKEYED = "UNKEYED"


@strawberry.type(description="An audit entry that failed verification (it may no longer exist).")
class BrokenAuditEntry:
    entry_id: strawberry.ID
    seq: int
    problem: AuditEntryProblem
    moved_from_seq: int | None


@strawberry.type(
    description="The audit trail checked against its MACs, its seals and their archived copies."
)
class AuditChainStatus:
    ok: bool
    checked_entries: int
    first_broken_entry_id: strawberry.ID | None
    reason: str | None
    sealed_through: int = strawberry.field(
        description="The newest sequence number covered by a seal (0: nothing sealed yet)."
    )
    seals_checked: int = strawberry.field(description="Seals verified by this call.")
    broken_seal: int | None = strawberry.field(
        description="The number of the first seal that failed, if any."
    )
    broken_entries: list[BrokenAuditEntry] = strawberry.field(
        description="The first broken entries, in order (at most 1000)."
    )
    gap_count: int = strawberry.field(
        description="Sequence numbers without an entry: rolled back, or not yet committed."
    )
    gaps: list[int] = strawberry.field(description="The newest gaps (at most 1000).")


@strawberry.type
class Notification(relay.Node):
    id: relay.NodeID[int]
    kind: str
    title: str
    body: str
    subject_type: str | None
    subject_id: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, row) -> Notification:
        # Stored in English (the message id); read in the reader's language.
        return from_row(
            cls, row, title=i18n.translate(row.title), body=i18n.translate(row.body or "")
        )
