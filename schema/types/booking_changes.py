"""Types of booking changes (P3.1.4: the customer's written authorisation; an urgent change waits
for three rising approvals): the change request, its authorisation and its approval levels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from domain.approvals import ApprovalStatus as DomainApprovalStatus
from schema.loaders import approval_decisions_loader
from schema.loaders import bookings as loaders
from schema.types.mapping import from_row
from schema.types.rooms import RoomType


def _global(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(str(relay.GlobalID(type_name, str(pk))))


@strawberry.enum(description="The customer's written authorisation of a change (P3.1.4).")
class ChangeAuthorizationKind(Enum):
    GUEST_CONFIRMED = "GUEST_CONFIRMED"
    WRITTEN_DOCUMENT = "WRITTEN_DOCUMENT"


@strawberry.enum
class BookingChangeStatus(Enum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPLIED = "APPLIED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"


@strawberry.type(
    description="One level of an urgent change's approval (P3.1.4). A level not decided yet "
    "has no decision, and its role lists the roles that may decide it."
)
class BookingChangeApproval:
    level: int
    role: str
    decided_by: str | None
    decision: str | None
    decided_at: dt.datetime | None


@strawberry.type(description="A requested change of dates, room type or guests (P3.1.4).")
class BookingChangeRequest(relay.Node):
    id: relay.NodeID[int]
    status: BookingChangeStatus
    urgent: bool
    authorization_kind: ChangeAuthorizationKind
    authorization_document_id: str | None
    old_check_in: dt.date
    old_check_out: dt.date
    old_guests: int
    old_total: Decimal
    new_check_in: dt.date
    new_check_out: dt.date
    new_guests: int
    new_total: Decimal
    requested_at: dt.datetime
    applied_at: dt.datetime | None
    failure_reason: str | None
    approval_id: strawberry.ID | None = strawberry.field(
        description="The ApprovalRequest an urgent change waits for."
    )
    old_room_type_pk: strawberry.Private[int]
    new_room_type_pk: strawberry.Private[int]
    approval_pk: strawberry.Private[int | None]

    @strawberry.field
    async def old_room_type(self, info: strawberry.Info) -> RoomType:
        return RoomType.of(await loaders.room_types(info).load(self.old_room_type_pk))

    @strawberry.field
    async def new_room_type(self, info: strawberry.Info) -> RoomType:
        return RoomType.of(await loaders.room_types(info).load(self.new_room_type_pk))

    @strawberry.field
    async def approvals(self, info: strawberry.Info) -> list[BookingChangeApproval]:
        if self.approval_pk is None:
            return []
        request = await loaders.approval_requests(info).load(self.approval_pk)
        decided = {d.level: d for d in await approval_decisions_loader(info).load(self.approval_pk)}
        levels = []
        for level, roles in enumerate(request.levels, start=1):
            made = decided.get(level)
            if made is None and request.status != DomainApprovalStatus.PENDING:
                continue  # the request ended before this level was reached
            levels.append(
                BookingChangeApproval(
                    level=level,
                    role=made.role if made else ",".join(roles),
                    decided_by=made.decided_by_name if made else None,
                    decision=made.decision if made else None,
                    decided_at=made.created_at if made else None,
                )
            )
        return levels

    @classmethod
    def of(cls, row) -> BookingChangeRequest:
        return from_row(
            cls,
            row,
            status=BookingChangeStatus(row.status),
            authorization_kind=ChangeAuthorizationKind(row.authorization_kind),
            requested_at=row.created_at,
            failure_reason=row.failure_reason or None,
            approval_id=_global("ApprovalRequest", row.approval_id),
            old_room_type_pk=row.old_room_type_id,
            new_room_type_pk=row.new_room_type_id,
            approval_pk=row.approval_id,
        )


# ---- the booking --------------------------------------------------------------------------
