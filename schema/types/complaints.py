"""Types of complaints (P3.1.6 first-contact responsibility and tiered handling, P3.1.9 the
5+X rule): the complaint with its owner, handler, deadlines and timeline, the inputs of its
mutations, and the KPIs per representative and team.

Personal data (P6.1.2): the description, answers and resolution are shown to whoever reaches the
complaint (its handlers, the guest it belongs to, the booking agent who recorded it); the
contact name and phone follow `schema.privacy` (masked for roles without guest contact data);
who owns and handles it, and the internal steps of the timeline (hand-overs, supervisors
joining, warnings, escalations), are for staff only."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from authz.identity import Kind
from domain.complaints import states
from domain.personal_data import PersonalData
from schema.loaders import accounts_loader
from schema.loaders import complaints as loaders
from schema.privacy import shown
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row

# The domain's enums, exposed under their GraphQL names (one declaration of each).
ComplaintStatus = strawberry.enum(states.ComplaintStatus, name="ComplaintStatus")
ComplaintSeverity = strawberry.enum(
    states.ComplaintSeverity,
    name="ComplaintSeverity",
    description="GENERAL: customer service resolves it. MAJOR: only once a supervisor has "
    "taken part (P3.1.6).",
)
ComplaintChannel = strawberry.enum(states.ComplaintChannel, name="ComplaintChannel")
ComplaintCategory = strawberry.enum(states.ComplaintCategory, name="ComplaintCategory")
ComplaintEventKind = strawberry.enum(states.ComplaintEventKind, name="ComplaintEventKind")


def _is_staff(info: strawberry.Info) -> bool:
    return info.context.identity.kind == Kind.STAFF


async def _staff_viewer(info: strawberry.Info, account_id: int | None) -> Viewer | None:
    if account_id is None or not _is_staff(info):
        return None
    account = await accounts_loader(info).load(account_id)
    return account and viewer_of_account(account)


@strawberry.type(description="One step of a complaint's timeline.")
class ComplaintEvent:
    kind: ComplaintEventKind
    at: dt.datetime
    actor_role: str
    note: str | None
    actor_id: strawberry.Private[int | None]
    to_id: strawberry.Private[int | None]

    @strawberry.field(description="Who took the step (staff callers only).")
    async def actor(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.actor_id)

    @strawberry.field(description="Whom a hand-over went to (staff callers only).")
    async def handed_to(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.to_id)

    @classmethod
    def of(cls, row) -> ComplaintEvent:
        return from_row(
            cls,
            row,
            kind=ComplaintEventKind(row.kind),
            at=row.created_at,
            actor_id=row.actor_account_id,
            to_id=row.to_account_id,
        )


@strawberry.type(description="A guest complaint (P3.1.6, P3.1.9).")
class Complaint(relay.Node):
    id: relay.NodeID[int]
    number: str
    status: ComplaintStatus
    severity: ComplaintSeverity
    channel: ComplaintChannel
    category: ComplaintCategory
    description: str
    filed_at: dt.datetime
    respond_due_at: dt.datetime = strawberry.field(
        description="The first answer is due before this time (the 5 of 5+X, hotel days)."
    )
    resolve_due_at: dt.datetime = strawberry.field(
        description="The resolution is due before this time (the X of 5+X, hotel days)."
    )
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution: str | None
    reopen_count: int
    handed_over: bool
    supervisor_joined_at: dt.datetime | None
    escalated_at: dt.datetime | None
    satisfaction_score: int | None
    satisfaction_comment: str | None
    name: strawberry.Private[str | None]
    phone: strawberry.Private[str | None]
    booking_pk: strawberry.Private[int | None]
    owner_id: strawberry.Private[int | None]
    handler_id: strawberry.Private[int | None]
    recorder_id: strawberry.Private[int | None]

    @strawberry.field(description="Masked for roles without guest contact data (P6.1.2).")
    async def contact_name(self, info: strawberry.Info) -> str | None:
        return await shown(info, PersonalData.NAME, self.name)

    @strawberry.field(description="Masked for roles without guest contact data (P6.1.2).")
    async def contact_phone(self, info: strawberry.Info) -> str | None:
        return await shown(info, PersonalData.PHONE, self.phone)

    @strawberry.field
    async def booking_number(self, info: strawberry.Info) -> str | None:
        if self.booking_pk is None:
            return None
        return await loaders.booking_numbers(info).load(self.booking_pk)

    @strawberry.field(
        description="First-contact owner: accountable to the end, also after a hand-over "
        "(staff callers only; null until someone takes a complaint a guest filed)."
    )
    async def owner(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.owner_id)

    @strawberry.field(description="Who handles it now (staff callers only).")
    async def handler(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.handler_id)

    @strawberry.field(description="Who recorded it (staff callers only).")
    async def recorded_by(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.recorder_id)

    @strawberry.field(description="Oldest first; a guest sees the steps that concern them.")
    async def events(self, info: strawberry.Info) -> list[ComplaintEvent]:
        rows = await loaders.events(info, public_only=not _is_staff(info)).load(self.id)
        return [ComplaintEvent.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> Complaint:
        return from_row(
            cls,
            row,
            status=ComplaintStatus(row.status),
            severity=ComplaintSeverity(row.severity),
            channel=ComplaintChannel(row.channel),
            category=ComplaintCategory(row.category),
            name=row.contact_name,
            phone=row.contact_phone,
            booking_pk=row.booking_id,
            owner_id=row.owner_account_id,
            handler_id=row.handler_account_id,
            recorder_id=row.recorded_by_account_id,
        )


@strawberry.input
class ComplaintFilter:
    status: list[ComplaintStatus] | None = None
    severity: list[ComplaintSeverity] | None = None
    category: list[ComplaintCategory] | None = None
    mine: bool = strawberry.field(
        default=False, description="Only complaints the caller owns or handles."
    )
    unassigned: bool = strawberry.field(default=False, description="Nobody has taken it yet.")
    escalated: bool | None = strawberry.field(
        default=None, description="A deadline passed unmet and it went to the supervisors."
    )
    booking_id: strawberry.ID | None = None


@strawberry.input
class FileComplaintInput:
    channel: ComplaintChannel
    severity: ComplaintSeverity
    category: ComplaintCategory
    description: str
    booking_id: strawberry.ID | None = None
    member_id: strawberry.ID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


@strawberry.input
class ComplaintActionInput:
    complaint_id: strawberry.ID


@strawberry.input
class RespondToComplaintInput:
    complaint_id: strawberry.ID
    message: str


@strawberry.input
class HandOverComplaintInput:
    complaint_id: strawberry.ID
    to_staff_id: strawberry.ID = strawberry.field(description="A StaffAccount id.")
    note: str


@strawberry.input
class JoinComplaintInput:
    complaint_id: strawberry.ID
    note: str | None = None


@strawberry.input
class ResolveComplaintInput:
    complaint_id: strawberry.ID
    resolution: str


@strawberry.input
class ReopenComplaintInput:
    complaint_id: strawberry.ID
    reason: str


@strawberry.input
class RateComplaintResolutionInput:
    complaint_id: strawberry.ID
    score: int = strawberry.field(description="1 (very unhappy) to 5 (very happy).")
    comment: str | None = None


@strawberry.type
class ComplaintPayload:
    complaint: Complaint | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- KPIs ---------------------------------------------------------------------------------


@strawberry.input
class KpiPeriodInput:
    start: dt.date = strawberry.field(description="First local date (included).")
    end: dt.date = strawberry.field(description="Last local date (included).")


@strawberry.type(description="Complaint measures of one representative, or of the team.")
class ComplaintKpiRow:
    complaints: int
    resolved: int
    first_contact_resolved: int
    first_contact_resolution_rate: float | None = strawberry.field(
        description="Share of the resolved complaints the owner resolved without a hand-over "
        "or a reopening (0-1)."
    )
    answered: int
    average_response_hours: float | None
    median_response_hours: float | None
    rated: int
    average_satisfaction: float | None = strawberry.field(
        description="Average guest rating of the resolutions (1-5)."
    )
    account_id: strawberry.Private[int | None]

    @strawberry.field(description="The representative (null for the team row).")
    async def representative(self, info: strawberry.Info) -> Viewer | None:
        return await _staff_viewer(info, self.account_id)

    @classmethod
    def of(cls, row) -> ComplaintKpiRow:
        return from_row(cls, row)


@strawberry.type(description="Complaints filed in the period, by first-contact owner.")
class ComplaintKpis:
    start: dt.date
    end: dt.date
    team: ComplaintKpiRow
    representatives: list[ComplaintKpiRow]

    @classmethod
    def of(cls, kpis) -> ComplaintKpis:
        return cls(
            start=kpis.start,
            end=kpis.end,
            team=ComplaintKpiRow.of(kpis.team),
            representatives=[ComplaintKpiRow.of(r) for r in kpis.representatives],
        )
