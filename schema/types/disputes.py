"""Disputes and their recorded steps (P7.2.1-P7.2.5)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from domain import disputes
from schema.loaders.disputes import events_loader
from schema.loaders.meetings import meetings_by_id_loader
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id
from schema.types.mapping import from_row
from schema.types.meetings import Meeting

DisputeStep = strawberry.enum(disputes.Step, name="DisputeStep")
DisputeStatus = strawberry.enum(disputes.DisputeStatus, name="DisputeStatus")


@strawberry.type
class DisputeEvent:
    kind: str = strawberry.field(
        description="OPENED, ESCALATED, OUTCOME, EXTENDED, JOINT_MEETING or OVERDUE."
    )
    step: DisputeStep
    note: str
    at: dt.datetime
    document_id: strawberry.ID | None = strawberry.field(
        description="The archived record of an outcome (a tier 3 work record)."
    )
    actor_id: strawberry.Private[int | None]

    @strawberry.field
    async def actor(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.actor_id)

    @classmethod
    def of(cls, row) -> DisputeEvent:
        return from_row(
            cls,
            row,
            step=DisputeStep(row.step),
            at=row.created_at,
            document_id=(
                None
                if row.document_id is None
                else strawberry.ID(relay.to_base64("Document", row.document_id))
            ),
            actor_id=row.actor_account_id,
        )


@strawberry.type
class Dispute(relay.Node):
    id: relay.NodeID[int]
    subject: str
    description: str
    step: DisputeStep
    status: DisputeStatus
    outcome: str | None
    outcome_at: dt.datetime | None
    cross_department: bool
    opener_department: str | None
    other_department: str | None
    arbitration_due_at: dt.datetime | None
    arbitration_extended: bool
    created_at: dt.datetime
    opened_by_id: strawberry.Private[int]
    other_party_id: strawberry.Private[int | None]
    joint_meeting_id: strawberry.Private[int | None]

    @strawberry.field
    async def opened_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.opened_by_id)

    @strawberry.field(description="The colleague the dispute is with (none: a department).")
    async def other_party(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.other_party_id)

    @strawberry.field(description="The joint meeting of both departments' heads (P7.2.4).")
    async def joint_meeting(self, info: strawberry.Info) -> Meeting | None:
        if self.joint_meeting_id is None:
            return None
        row = await meetings_by_id_loader(info).load(self.joint_meeting_id)
        return row and Meeting.of(row)

    @strawberry.field(description="Every step, oldest first.")
    async def events(self, info: strawberry.Info) -> list[DisputeEvent]:
        rows = await events_loader(info).load(self.id)
        return [DisputeEvent.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> Dispute:
        return from_row(
            cls,
            row,
            step=DisputeStep(row.step),
            status=DisputeStatus(row.status),
            outcome=row.outcome or None,
            opened_by_id=row.opened_by_account_id,
            other_party_id=row.other_party_account_id,
        )


@strawberry.input
class DisputeFilter:
    status: DisputeStatus | None = None
    only_mine: bool = False


@strawberry.input
class OpenDisputeInput:
    subject: str
    description: str
    other_party_email: str | None = None
    other_department: str | None = None


@strawberry.input
class EscalateDisputeInput:
    dispute_id: relay.GlobalID
    to_step: DisputeStep
    reason: str


@strawberry.input
class DecideDisputeInput:
    dispute_id: relay.GlobalID
    outcome: str


@strawberry.input
class ExtendArbitrationInput:
    dispute_id: relay.GlobalID
    reason: str


@strawberry.type
class DisputePayload:
    dispute: Dispute | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
