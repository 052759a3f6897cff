"""Continuous improvement (P8): the anonymous staff survey and its results, workshops,
proposals and the innovation fund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain import improvement
from domain.i18n import t
from schema.loaders import accounts_loader
from schema.loaders.improvement import figures_loader, policy_changes_loader
from schema.loaders.meetings import meetings_by_id_loader
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row
from schema.types.meetings import Meeting
from schema.types.relay import Connection, paginate

ProblemType = strawberry.enum(improvement.ProblemType, name="ProblemType")
ProposalStatus = strawberry.enum(improvement.ProposalStatus, name="ProposalStatus")


async def _viewer(info: strawberry.Info, account_id: int | None) -> Viewer | None:
    if account_id is None:
        return None
    account = await accounts_loader(info).load(account_id)
    return account and viewer_of_account(account)


@strawberry.type
class SurveyQuestion:
    key: str
    text: str
    kind: str = strawberry.field(description="CHOICE (from `choices`) or TEXT.")
    choices: list[str]


@strawberry.type
class EmployeeSurvey:
    """The current month's anonymous survey (P8.1)."""

    month: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    questions: list[SurveyQuestion]
    answered: bool = strawberry.field(description="Whether you have used your ballot.")


@strawberry.type
class ProblemRank:
    problem_type: ProblemType
    mentions: int
    rank: int


@strawberry.type
class SurveyComment(relay.Node):
    id: relay.NodeID[int]
    comment: str

    @classmethod
    def of(cls, row) -> SurveyComment:
        return cls(id=row.id, comment=row.comment)


@strawberry.type
class SurveyResults:
    """A survey's released answers: shown only once enough are released (P8.1)."""

    month: str
    closed: bool
    released_answers: int
    shown: bool = strawberry.field(
        description="False while too few answers are released to show any results."
    )
    ranking: list[ProblemRank] = strawberry.field(
        description="Problem types by mentions, most first; ties share a rank."
    )
    survey_id: strawberry.Private[int]

    @strawberry.field(description="The free-text answers, in no meaningful order.")
    async def comments(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[SurveyComment]:
        rows = improvement.survey.comments_query(self.survey_id, shown=self.shown)
        return await paginate(rows, first, after, SurveyComment.of)


@strawberry.type
class Workshop(relay.Node):
    """A workshop on one of a survey's top problems (P8.2)."""

    id: relay.NodeID[int]
    problem_type: ProblemType
    rank: int
    mentions: int
    status: str = strawberry.field(
        description="OPEN, ASSIGNED once it has an owner, SCHEDULED once its meeting is called."
    )
    due_on: dt.date | None
    month: str
    owner_id: strawberry.Private[int | None]
    meeting_id: strawberry.Private[int | None]

    @strawberry.field
    async def owner(self, info: strawberry.Info) -> Viewer | None:
        return await _viewer(info, self.owner_id)

    @strawberry.field(description="The special meeting the workshop was called as.")
    async def meeting(self, info: strawberry.Info) -> Meeting | None:
        if self.meeting_id is None:
            return None
        row = await meetings_by_id_loader(info).load(self.meeting_id)
        return row and Meeting.of(row)

    @classmethod
    def of(cls, row, month: str) -> Workshop:
        return from_row(
            cls,
            row,
            problem_type=ProblemType(row.problem_type),
            month=month,
            owner_id=row.owner_account_id,
        )


@strawberry.type
class ImprovementFigures:
    """Satisfaction and efficiency figures of a window before (BASELINE) or after (FOLLOW_UP)
    adoption (P8.4)."""

    phase: str = strawberry.field(description="BASELINE or FOLLOW_UP.")
    window_start: dt.datetime
    window_end: dt.datetime
    bookings: int
    cancellations: int
    surveys_answered: int = strawberry.field(
        description="First-stay satisfaction surveys answered in the window."
    )
    complaints: int = strawberry.field(description="Complaints filed in the window.")
    complaints_responded: int = strawberry.field(
        description="Of those complaints, how many have had their first response."
    )
    survey_score_total: strawberry.Private[int]
    response_seconds_total: strawberry.Private[int]

    @strawberry.field(description="Average satisfaction score (1-5) of the surveys answered.")
    def average_satisfaction(self) -> Decimal | None:
        if not self.surveys_answered:
            return None
        return (Decimal(self.survey_score_total) / self.surveys_answered).quantize(Decimal("0.01"))

    @strawberry.field(description="Average hours to a complaint's first response (efficiency).")
    def average_response_hours(self) -> Decimal | None:
        if not self.complaints_responded:
            return None
        hours = Decimal(self.response_seconds_total) / 3600 / self.complaints_responded
        return hours.quantize(Decimal("0.01"))

    @strawberry.field(description="Cancelled bookings per hundred made in the window.")
    def cancellation_rate(self) -> Decimal | None:
        if not self.bookings:
            return None
        return (Decimal(self.cancellations) * 100 / self.bookings).quantize(Decimal("0.01"))

    @classmethod
    def of(cls, row) -> ImprovementFigures:
        return from_row(cls, row)


@strawberry.type
class Proposal(relay.Node):
    """An improvement proposal, its review and reward (P8.5)."""

    id: relay.NodeID[int]
    title: str
    description: str
    status: ProposalStatus
    review_reason: str | None
    reviewed_at: dt.datetime | None
    reward: Decimal | None
    rewarded_at: dt.datetime | None
    created_at: dt.datetime
    author_id: strawberry.Private[int]
    reviewer_id: strawberry.Private[int | None]

    @strawberry.field
    async def author(self, info: strawberry.Info) -> Viewer | None:
        return await _viewer(info, self.author_id)

    @strawberry.field
    async def reviewer(self, info: strawberry.Info) -> Viewer | None:
        return await _viewer(info, self.reviewer_id)

    @strawberry.field(description="The figures before and after adoption (P8.4).")
    async def figures(self, info: strawberry.Info) -> list[ImprovementFigures]:
        rows = await figures_loader(info).load(self.id)
        return [ImprovementFigures.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> Proposal:
        return from_row(
            cls,
            row,
            status=ProposalStatus(row.status),
            review_reason=row.review_reason or None,
            author_id=row.author_account_id,
            reviewer_id=row.reviewer_account_id,
        )


@strawberry.type
class InnovationFundEntry(relay.Node):
    id: relay.NodeID[int]
    amount: Decimal
    balance_after: Decimal
    kind: str = strawberry.field(description="DEPOSIT or REWARD.")
    note: str
    created_at: dt.datetime

    @classmethod
    def of(cls, row) -> InnovationFundEntry:
        return from_row(cls, row)


@strawberry.type
class InnovationFund:
    balance: Decimal

    @strawberry.field(description="Deposits and rewards, newest first.")
    async def entries(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[InnovationFundEntry]:
        return await paginate(
            improvement.fund.entries_query(), first, after, InnovationFundEntry.of
        )


def survey_of(row, questions, answered: bool, language: str | None = None) -> EmployeeSurvey:
    return EmployeeSurvey(
        month=row.month,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        questions=[
            SurveyQuestion(
                key=q.key, text=t(language, q.text), kind=q.kind, choices=list(q.choices)
            )
            for q in questions
        ],
        answered=answered,
    )


@strawberry.input
class SubmitSurveyResponseInput:
    problem_types: list[ProblemType]
    comment: str | None = None


@strawberry.type
class SubmitSurveyResponsePayload:
    """Says only that the ballot was used: nothing about the answer comes back."""

    accepted: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AssignWorkshopInput:
    workshop_id: relay.GlobalID
    owner_email: str
    due_on: dt.date


@strawberry.input
class ScheduleWorkshopInput:
    workshop_id: relay.GlobalID
    starts_at: dt.datetime
    participant_emails: list[str] = strawberry.field(default_factory=list)
    location: str = ""
    duration_minutes: int | None = None


@strawberry.type
class WorkshopPayload:
    workshop: Workshop | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SubmitProposalInput:
    title: str
    description: str


@strawberry.input
class ReviewProposalInput:
    proposal_id: relay.GlobalID
    accept: bool
    reason: str


@strawberry.input
class PayProposalRewardInput:
    proposal_id: relay.GlobalID
    amount: Decimal


@strawberry.type
class ProposalPayload:
    proposal: Proposal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DepositToInnovationFundInput:
    amount: Decimal
    note: str = ""


@strawberry.type
class InnovationFundPayload:
    entry: InnovationFundEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PolicyChange(relay.Node):
    id: relay.NodeID[int]
    title: str
    major: bool = strawberry.field(description="A major change needs all-staff training.")

    @classmethod
    def of(cls, row) -> PolicyChange:
        return from_row(cls, row)


@strawberry.type
class PolicyReview(relay.Node):
    """The six-monthly review of the policy (P8.3)."""

    id: relay.NodeID[int]
    due_on: dt.date
    status: str = strawberry.field(description="DUE or DONE.")
    reminded_at: dt.datetime | None
    summary: str | None
    completed_at: dt.datetime | None

    @strawberry.field(description="The changes the review decided.")
    async def changes(self, info: strawberry.Info) -> list[PolicyChange]:
        rows = await policy_changes_loader(info).load(self.id)
        return [PolicyChange.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> PolicyReview:
        return from_row(cls, row, summary=row.summary or None)


@strawberry.type
class TrainingStatus:
    """Who has and has not been trained on a major policy change (P8.3)."""

    change: PolicyChange
    trained: int
    change_id: strawberry.Private[int]

    @strawberry.field(description="Active staff not yet trained on the change.")
    async def untrained(
        self, first: int | None = None, after: str | None = None
    ) -> Connection[Viewer]:
        rows = improvement.reviews.untrained_query(self.change_id)
        return await paginate(rows, first, after, viewer_of_account)


@strawberry.input
class PolicyChangeInput:
    title: str
    major: bool = False


@strawberry.input
class CompletePolicyReviewInput:
    review_id: relay.GlobalID
    summary: str
    changes: list[PolicyChangeInput] = strawberry.field(default_factory=list)


@strawberry.type
class PolicyReviewPayload:
    review: PolicyReview | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordTrainingInput:
    change_id: relay.GlobalID
    staff_email: str


@strawberry.type
class RecordTrainingPayload:
    recorded: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)
