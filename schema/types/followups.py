"""Types of the first-stay satisfaction follow-up (P3.1.7): the telephone task with its due
time, overdue flag and escalation, and the guest's survey. Nested objects load through
`schema.loaders.followups`; a survey's answer is shown to staff and to the guest it belongs to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from authz.identity import Kind
from domain import followups
from schema.loaders import accounts_loader
from schema.loaders import followups as loaders
from schema.types.bookings import Booking
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row

FollowUpStatus = strawberry.enum(followups.FollowUpStatus, name="FollowUpStatus")
FollowUpOutcome = strawberry.enum(
    followups.FollowUpOutcome, name="FollowUpOutcome", description="How the call went."
)


@strawberry.type(description="A guest's satisfaction survey of their first stay (P3.1.7).")
class SatisfactionSurvey(relay.Node):
    id: relay.NodeID[int]
    created_at: dt.datetime
    expires_at: dt.datetime = strawberry.field(description="The survey code works until then.")
    answered: bool
    score: int | None
    comments: str | None
    answered_at: dt.datetime | None
    booking_pk: strawberry.Private[int]
    row: strawberry.Private[object]

    @strawberry.field(
        description="The stay the survey asks about: for staff and the guest it belongs to; "
        "null for a caller who only holds the survey code."
    )
    async def booking(self, info: strawberry.Info) -> Booking | None:
        identity = info.context.identity
        if not (
            identity.kind in (Kind.STAFF, Kind.SYSTEM)
            or followups.surveys.belongs_to(identity, self.row)
        ):
            return None
        row = await loaders.bookings(info).load(self.booking_pk)
        return row and Booking.of(row)

    @classmethod
    def of(cls, row) -> SatisfactionSurvey:
        return from_row(
            cls,
            row,
            answered=row.answered_at is not None,
            comments=row.comments or None,
            booking_pk=row.booking_id,
            row=row,
        )


@strawberry.type(
    description="The telephone follow-up of a guest's first stay, due a fixed time after "
    "check-out (P3.1.7); overdue ones are escalated to supervisors."
)
class FollowUp(relay.Node):
    id: relay.NodeID[int]
    status: FollowUpStatus
    outcome: FollowUpOutcome | None
    notes: str | None
    created_at: dt.datetime
    due_at: dt.datetime
    overdue: bool = strawberry.field(description="Still open past its due time.")
    completed_at: dt.datetime | None
    escalated_at: dt.datetime | None = strawberry.field(
        description="When supervisors were told it is overdue."
    )
    booking_pk: strawberry.Private[int]
    assignee_pk: strawberry.Private[int | None]
    completed_by_pk: strawberry.Private[int | None]

    @strawberry.field(description="The stay to ask about.")
    async def booking(self, info: strawberry.Info) -> Booking | None:
        row = await loaders.bookings(info).load(self.booking_pk)
        return row and Booking.of(row)

    @strawberry.field(description="The representative who calls; null while unassigned.")
    async def assignee(self, info: strawberry.Info) -> Viewer | None:
        if self.assignee_pk is None:
            return None
        account = await accounts_loader(info).load(self.assignee_pk)
        return account and viewer_of_account(account)

    @strawberry.field
    async def completed_by(self, info: strawberry.Info) -> Viewer | None:
        if self.completed_by_pk is None:
            return None
        account = await accounts_loader(info).load(self.completed_by_pk)
        return account and viewer_of_account(account)

    @strawberry.field(description="The guest's survey of the same stay.")
    async def survey(self, info: strawberry.Info) -> SatisfactionSurvey | None:
        row = await loaders.surveys_by_booking(info).load(self.booking_pk)
        return row and SatisfactionSurvey.of(row)

    @classmethod
    def of(cls, row) -> FollowUp:
        return from_row(
            cls,
            row,
            status=FollowUpStatus(row.status),
            outcome=row.outcome and FollowUpOutcome(row.outcome),
            notes=row.notes or None,
            overdue=followups.is_overdue(row),
            booking_pk=row.booking_id,
            assignee_pk=row.assignee_account_id,
            completed_by_pk=row.completed_by_account_id,
        )


@strawberry.type(description="Satisfaction in aggregate: no guest is named (for analysts).")
class SatisfactionSummary:
    sent: int
    answered: int
    average_score: Decimal | None
    by_score: list[int] = strawberry.field(description="Answers with score 1, 2, 3, 4 and 5.")


@strawberry.input
class FollowUpFilter:
    overdue: bool | None = strawberry.field(
        default=None, description="true: open past the due time; false: the others."
    )
    status: list[FollowUpStatus] | None = None
    assigned_to_me: bool | None = None
    unassigned: bool | None = None


@strawberry.input
class SatisfactionSurveyFilter:
    answered: bool | None = None


@strawberry.input
class CompleteFollowUpInput:
    follow_up_id: strawberry.ID
    outcome: FollowUpOutcome
    notes: str | None = strawberry.field(
        default=None, description="Required unless the guest was reached."
    )


@strawberry.type
class FollowUpPayload:
    follow_up: FollowUp | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(
    description="The survey code from the guest's message (no sign-in needed), or the survey "
    "id for the signed-in guest."
)
class SubmitSatisfactionSurveyInput:
    score: int = strawberry.field(description="1 (poor) to 5 (excellent).")
    survey_token: str | None = None
    survey_id: strawberry.ID | None = None
    comments: str | None = None


@strawberry.type
class SatisfactionSurveyPayload:
    survey: SatisfactionSurvey | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
