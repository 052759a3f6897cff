"""Notices and their delivery, recorded phone calls, the knowledge base of standard operating
procedures with their versions and read receipts, and new staff's learning progress (P7.1.1,
P7.1.4, P7.1.5, P8.6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from authz.enforcer import Access
from domain import knowledge
from domain.knowledge.learning import LearningStatus as DomainLearningStatus
from domain.knowledge.learning import hours, progress_of
from schema.loaders import accounts_loader
from schema.loaders.knowledge import (
    deliveries_loader,
    procedures_loader,
    read_state_loader,
    sessions_loader,
    versions_loader,
)
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id, viewer_of_account
from schema.types.mapping import from_row

LearningStatus = strawberry.enum(DomainLearningStatus, name="LearningStatus")


@strawberry.enum(description="Where a notice's e-mail to one recipient is.")
class NoticeEmailState(Enum):
    NOT_SENT = "NOT_SENT"
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    PURGED = "PURGED"


# ---- notices --------------------------------------------------------------------------------


@strawberry.type
class NoticeRecipient:
    read_at: dt.datetime | None = strawberry.field(
        description="When the recipient read the notice in the app; null: not yet."
    )
    email: NoticeEmailState
    account: strawberry.Private[object | None]

    @strawberry.field
    def person(self) -> Viewer | None:
        return self.account and viewer_of_account(self.account)


@strawberry.type
class NoticeDelivery:
    recipients: int
    read: int = strawberry.field(description="Recipients who read it in the app.")
    email_pending: int
    email_delivered: int
    email_failed: int = strawberry.field(
        description="E-mails the outbox gave up on (an admin may redeliver them)."
    )


@strawberry.type
class NoticeAudience:
    departments: list[str]
    roles: list[str]
    account_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The staff named one by one.")
    async def staff(self, info: strawberry.Info) -> list[Viewer]:
        found = await accounts_loader(info).load_many(self.account_ids)
        return [viewer_of_account(a) for a in found if a is not None]


@strawberry.type
class Notice(relay.Node):
    id: relay.NodeID[int]
    title: str
    body: str
    by_email: bool = strawberry.field(description="Whether it was also sent by e-mail.")
    recipient_count: int
    sent_at: dt.datetime
    audience: NoticeAudience
    sent_by_id: strawberry.Private[int]

    @strawberry.field
    async def sent_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.sent_by_id)

    def _followed_by(self, info: strawberry.Info) -> bool:
        """Its sender and those who see every notice follow its delivery; a recipient does
        not see who else read it."""
        return (
            self.sent_by_id == info.context.actor.account_id
            or info.context.access.get(("notice", "read")) == Access.ALL
        )

    @strawberry.field(
        description="Each recipient with whether they read it and its e-mail: shown to the "
        "sender and to those who see every notice (empty for other readers)."
    )
    async def recipients(self, info: strawberry.Info) -> list[NoticeRecipient]:
        if not self._followed_by(info):
            return []
        rows = await deliveries_loader(info).load(self.id)
        return [
            NoticeRecipient(read_at=d.read_at, email=NoticeEmailState(d.email), account=d.account)
            for d in rows
        ]

    @strawberry.field(description="Delivery totals, for the same readers as `recipients`.")
    async def delivery(self, info: strawberry.Info) -> NoticeDelivery | None:
        if not self._followed_by(info):
            return None
        rows = await deliveries_loader(info).load(self.id)
        states = [d.email for d in rows]
        return NoticeDelivery(
            recipients=len(rows),
            read=sum(1 for d in rows if d.read_at is not None),
            email_pending=states.count("PENDING"),
            email_delivered=states.count("DELIVERED") + states.count("PURGED"),
            email_failed=states.count("FAILED"),
        )

    @classmethod
    def of(cls, row) -> Notice:
        audience = knowledge.audience.Audience.of_json(row.audience)
        return from_row(
            cls,
            row,
            sent_at=row.created_at,
            audience=NoticeAudience(
                departments=list(audience.departments),
                roles=list(audience.roles),
                account_ids=list(audience.accounts),
            ),
            sent_by_id=row.sent_by_account_id,
        )


@strawberry.input
class AudienceInput:
    departments: list[str] = strawberry.field(
        default_factory=list, description="Department codes, e.g. BOOKING_CRM, FINANCE."
    )
    roles: list[str] = strawberry.field(default_factory=list, description="e.g. supervisor.")
    staff_emails: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class SendNoticeInput:
    title: str
    body: str
    audience: AudienceInput
    by_email: bool = strawberry.field(
        default=True, description="Important notices also go by e-mail (P7.1.1)."
    )


@strawberry.input
class NoticeFilter:
    received_only: bool = False


@strawberry.type
class NoticePayload:
    notice: Notice | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- phone calls ----------------------------------------------------------------------------


@strawberry.type
class CallParty:
    name: str | None = strawberry.field(description="An outside person's name.")
    account_id: strawberry.Private[int | None]

    @strawberry.field(description="The staff member, when the party is one.")
    async def staff(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.account_id)


@strawberry.type
class PhoneCall(relay.Node):
    id: relay.NodeID[int]
    caller: CallParty
    callee: CallParty
    called_at: dt.datetime
    subject: str
    outcome: str
    emergency: bool
    recorded_at: dt.datetime
    recorded_by_id: strawberry.Private[int]

    @strawberry.field
    async def recorded_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.recorded_by_id)

    @classmethod
    def of(cls, row) -> PhoneCall:
        return from_row(
            cls,
            row,
            caller=CallParty(name=row.caller_name, account_id=row.caller_account_id),
            callee=CallParty(name=row.callee_name, account_id=row.callee_account_id),
            recorded_at=row.created_at,
            recorded_by_id=row.recorded_by_account_id,
        )


@strawberry.input
class CallPartyInput:
    staff_email: str | None = None
    name: str | None = None


@strawberry.input
class RecordPhoneCallInput:
    caller: CallPartyInput | None = strawberry.field(
        default=None, description="Omitted: the staff member recording the call."
    )
    callee: CallPartyInput
    called_at: dt.datetime
    subject: str
    outcome: str
    emergency: bool = True


@strawberry.input
class PhoneCallFilter:
    emergency_only: bool = False


@strawberry.type
class PhoneCallPayload:
    phone_call: PhoneCall | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- procedures -----------------------------------------------------------------------------


@strawberry.type
class ProcedureVersion:
    version: int
    title: str
    body: str
    change_summary: str = strawberry.field(description="What changed in this version.")
    published_at: dt.datetime
    current: bool
    published_by_id: strawberry.Private[int]

    @strawberry.field
    async def published_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.published_by_id)

    @classmethod
    def of(cls, row, current: int) -> ProcedureVersion:
        return from_row(
            cls,
            row,
            published_at=row.created_at,
            current=row.version == current,
            published_by_id=row.published_by_account_id,
        )


@strawberry.type
class ProcedureScope:
    departments: list[str]
    roles: list[str]
    everyone: bool = strawberry.field(description="Whether it concerns every staff member.")


@strawberry.type
class ProcedureReadState:
    in_scope: int = strawberry.field(description="Active staff the procedure concerns.")
    read: int = strawberry.field(description="Of them, those who read the current version.")
    unread: int
    read_by_me: bool = strawberry.field(description="Whether the viewer read the current one.")
    concerns_me: bool


@strawberry.type
class Procedure(relay.Node):
    id: relay.NodeID[int]
    title: str
    version: int = strawberry.field(description="The current version's number.")
    scope: ProcedureScope
    created_at: dt.datetime
    updated_at: dt.datetime | None

    async def _versions(self, info: strawberry.Info) -> list[ProcedureVersion]:
        rows = await versions_loader(info).load(self.id)
        return [ProcedureVersion.of(row, self.version) for row in rows]

    @strawberry.field(description="The current version.")
    async def current(self, info: strawberry.Info) -> ProcedureVersion | None:
        versions = await self._versions(info)
        return next((v for v in versions if v.current), None)

    @strawberry.field(description="Every version, newest first: old versions stay readable.")
    async def versions(self, info: strawberry.Info) -> list[ProcedureVersion]:
        return await self._versions(info)

    @strawberry.field(description="One version by its number.")
    async def version_number(self, info: strawberry.Info, number: int) -> ProcedureVersion | None:
        return next((v for v in await self._versions(info) if v.version == number), None)

    @strawberry.field
    async def read_state(self, info: strawberry.Info) -> ProcedureReadState | None:
        state = await read_state_loader(info).load(self.id)
        if state is None:
            return None
        return ProcedureReadState(
            in_scope=state.in_scope,
            read=state.read,
            unread=state.in_scope - state.read,
            read_by_me=state.read_by_viewer,
            concerns_me=state.concerns_viewer,
        )

    @classmethod
    def of(cls, row) -> Procedure:
        scope = knowledge.procedures.scope_of(row)
        return from_row(
            cls,
            row,
            version=row.current_version,
            scope=ProcedureScope(
                departments=list(scope.departments),
                roles=list(scope.roles),
                everyone=scope.empty,
            ),
        )


@strawberry.input
class ProcedureScopeInput:
    departments: list[str] = strawberry.field(default_factory=list)
    roles: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class PublishProcedureInput:
    procedure_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Omitted: a new procedure (version 1)."
    )
    title: str
    body: str
    change_summary: str = strawberry.field(description="What changed: required on every version.")
    scope: ProcedureScopeInput | None = strawberry.field(
        default=None,
        description="Whom it concerns; omitted: unchanged (a new procedure: every staff member).",
    )
    base_version: int | None = strawberry.field(
        default=None, description="The version edited: refused if another was published since."
    )


@strawberry.input
class AcknowledgeProcedureInput:
    procedure_id: relay.GlobalID
    version: int = strawberry.field(description="The version read: it must be the current one.")


@strawberry.input
class ProcedureFilter:
    to_read: bool = strawberry.field(
        default=False,
        description="Only procedures concerning the viewer whose current version they have "
        "not read.",
    )
    search: str | None = None


@strawberry.type
class ProcedurePayload:
    procedure: Procedure | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- learning -------------------------------------------------------------------------------


@strawberry.type
class LearningSession:
    studied_on: dt.date
    minutes: int
    note: str
    logged_at: dt.datetime
    procedure_id: strawberry.Private[int]

    @strawberry.field(description="The knowledge-base procedure studied.")
    async def procedure(self, info: strawberry.Info) -> Procedure | None:
        row = await procedures_loader(info).load(self.procedure_id)
        return row and Procedure.of(row)

    @classmethod
    def of(cls, row) -> LearningSession:
        return from_row(cls, row, logged_at=row.created_at, procedure_id=row.procedure_id)


@strawberry.type
class LearningProgress(relay.Node):
    """A new staff member's online learning against their target (P7.1.4)."""

    id: relay.NodeID[int]
    starts_on: dt.date
    due_on: dt.date
    required_hours: Decimal
    logged_hours: Decimal
    expected_hours: Decimal = strawberry.field(
        description="The hours due by today, pro rata of the learning period gone."
    )
    status: LearningStatus
    completed_at: dt.datetime | None
    reminded_at: dt.datetime | None
    account_id: strawberry.Private[int]

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.account_id)

    @strawberry.field(description="Learning sessions, newest first (at most 50).")
    async def sessions(self, info: strawberry.Info) -> list[LearningSession]:
        rows = await sessions_loader(info).load(self.account_id)
        return [LearningSession.of(row) for row in rows]

    @classmethod
    def of(cls, row) -> LearningProgress:
        progress = progress_of(row)
        return from_row(
            cls,
            row,
            required_hours=hours(row.required_minutes),
            logged_hours=hours(row.logged_minutes),
            expected_hours=hours(progress.expected_minutes),
            status=LearningStatus(progress.status),
        )


@strawberry.input
class LearningProgressFilter:
    behind_only: bool = strawberry.field(
        default=False, description="Only new staff behind schedule or past their due date."
    )
    only_mine: bool = False


@strawberry.input
class LogLearningInput:
    procedure_id: relay.GlobalID
    minutes: int
    studied_on: dt.date | None = strawberry.field(default=None, description="Omitted: today.")
    note: str | None = None


@strawberry.type
class LogLearningPayload:
    session: LearningSession | None = None
    progress: LearningProgress | None = strawberry.field(
        default=None, description="The caller's progress; null when they have no plan."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)
