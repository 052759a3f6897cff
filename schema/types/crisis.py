"""Crisis decision groups, their members and the acts done under their authority (P4.1.4)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from domain import crisis
from schema.loaders import accounts_loader
from schema.loaders.crisis import details_loader, pending_approvals_loader
from schema.types.approvals import ApprovalRequest
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row

CrisisGroupStatus = strawberry.enum(crisis.CrisisStatus, name="CrisisGroupStatus")


async def _viewer(info: strawberry.Info, account_id: int | None) -> Viewer | None:
    if account_id is None:
        return None
    account = await accounts_loader(info).load(account_id)
    return account and viewer_of_account(account)


@strawberry.type
class CrisisMember:
    role: str = strawberry.field(
        description="The roles of the composition the member sits for (director, supervisor, "
        "tech_lead), comma-separated."
    )
    account: strawberry.Private[object | None]

    @strawberry.field
    def person(self) -> Viewer | None:
        return self.account and viewer_of_account(self.account)

    @classmethod
    def of(cls, row, people: dict) -> CrisisMember:
        return from_row(cls, row, account=people.get(row.account_id))


@strawberry.type
class CrisisAction:
    action: str = strawberry.field(description="The operation, e.g. decideApproval.")
    subject_type: str
    subject_id: strawberry.ID = strawberry.field(description="The global id of the record.")
    role: str = strawberry.field(description="The authority it was done with.")
    note: str
    at: dt.datetime
    account: strawberry.Private[object | None]

    @strawberry.field
    def actor(self) -> Viewer | None:
        return self.account and viewer_of_account(self.account)

    @classmethod
    def of(cls, row, people: dict) -> CrisisAction:
        return from_row(
            cls,
            row,
            subject_id=strawberry.ID(relay.to_base64(row.subject_type, row.subject_id)),
            at=row.created_at,
            account=people.get(row.account_id),
        )


@strawberry.type
class CrisisGroup(relay.Node):
    id: relay.NodeID[int]
    reason: str
    matters: list[str] = strawberry.field(
        description="The approval kinds the group decides as the highest authority."
    )
    status: CrisisGroupStatus
    active: bool = strawberry.field(description="Whether its authority holds right now.")
    expires_at: dt.datetime
    created_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None
    document_id: strawberry.ID | None = strawberry.field(
        description="The archived record of the group (a tier 3 work record), once it ended."
    )
    convened_by_id: strawberry.Private[int]

    @strawberry.field
    async def convened_by(self, info: strawberry.Info) -> Viewer | None:
        return await _viewer(info, self.convened_by_id)

    @strawberry.field
    async def members(self, info: strawberry.Info) -> list[CrisisMember]:
        found = await details_loader(info).load(self.id)
        return [CrisisMember.of(row, found.people) for row in found.members]

    @strawberry.field(description="Every act done under the group's authority, oldest first.")
    async def actions(self, info: strawberry.Info) -> list[CrisisAction]:
        found = await details_loader(info).load(self.id)
        return [CrisisAction.of(row, found.people) for row in found.actions]

    @strawberry.field(
        description="Pending approvals of the group's matters, which its members may decide in "
        "one step while it is active: shown to its members only (oldest first, at most 50)."
    )
    async def pending_approvals(self, info: strawberry.Info) -> list[ApprovalRequest]:
        members = (await details_loader(info).load(self.id)).members
        if not self.active or info.context.actor.account_id not in {m.account_id for m in members}:
            return []
        rows = await pending_approvals_loader(info).load(tuple(self.matters))
        return [ApprovalRequest.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> CrisisGroup:
        return from_row(
            cls,
            row,
            matters=list(row.matters or []),
            status=CrisisGroupStatus(row.status),
            active=crisis.is_active(row),
            end_reason=row.end_reason or None,
            document_id=(
                None
                if row.document_id is None
                else strawberry.ID(relay.to_base64("Document", row.document_id))
            ),
            convened_by_id=row.convened_by_account_id,
        )


@strawberry.input
class CrisisGroupFilter:
    status: CrisisGroupStatus | None = None
    only_mine: bool = False


@strawberry.input
class ConveneCrisisGroupInput:
    reason: str
    matters: list[str] = strawberry.field(description="Approval kinds, e.g. BOOKING_CHANGE.")
    member_emails: list[str] = strawberry.field(
        description="With the convening director: at least a supervisor and a technical lead."
    )
    expires_at: dt.datetime


@strawberry.input
class DissolveCrisisGroupInput:
    group_id: relay.GlobalID
    reason: str


@strawberry.type
class CrisisGroupPayload:
    crisis_group: CrisisGroup | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
