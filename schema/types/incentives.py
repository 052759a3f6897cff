"""Rewards and penalties, the permanent blacklist for data falsification and violation cases
(P5.2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import relay

from domain.incentives import blacklist, ledger, violations
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id
from schema.types.mapping import from_row

IncentiveCategory = strawberry.enum(ledger.Category, name="IncentiveCategory")
RewardKind = strawberry.enum(ledger.RewardKind, name="RewardKind")
PenaltyKind = strawberry.enum(ledger.PenaltyKind, name="PenaltyKind")
IncentiveStatus = strawberry.enum(ledger.EntryStatus, name="IncentiveStatus")
IncentiveBasisKind = strawberry.enum(ledger.BasisKind, name="IncentiveBasisKind")
ViolationCaseStatus = strawberry.enum(violations.CaseStatus, name="ViolationCaseStatus")
ViolationSeverity = strawberry.enum(violations.ViolationSeverity, name="ViolationSeverity")
ViolationCaseOutcome = strawberry.enum(violations.CaseOutcome, name="ViolationCaseOutcome")


@strawberry.enum
class IncentiveDecision(Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(relay.to_base64(type_name, pk))


@strawberry.type
class IncentiveEntry(relay.Node):
    """One reward or penalty of a staff member (P5.2.1-P5.2.3)."""

    id: relay.NodeID[int]
    category: IncentiveCategory
    kind: str = strawberry.field(description="A RewardKind or a PenaltyKind.")
    status: IncentiveStatus
    reason: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None
    currency: str | None
    percent: Decimal | None = strawberry.field(
        description="The share of performance pay deducted (complaint handling, P5.2.3)."
    )
    basis_kind: IncentiveBasisKind
    basis_reference: str
    complaint_id: strawberry.ID | None
    violation_case_id: strawberry.ID | None
    pending_operation_id: strawberry.ID | None = strawberry.field(
        description="The dual review a contract termination waits for (P6.2.3)."
    )
    decision_comment: str
    decided_at: dt.datetime | None
    created_at: dt.datetime
    staff_account_id: strawberry.Private[int]
    proposed_by_account_id: strawberry.Private[int | None]
    decided_by_account_id: strawberry.Private[int | None]
    confirmed_by_account_id: strawberry.Private[int | None]

    @strawberry.field
    async def staff(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.staff_account_id)

    @strawberry.field
    async def proposed_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.proposed_by_account_id)

    @strawberry.field
    async def decided_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.decided_by_account_id)

    @strawberry.field(description="The second person who confirmed a termination.")
    async def confirmed_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.confirmed_by_account_id)

    @classmethod
    def of(cls, row) -> IncentiveEntry:
        return from_row(
            cls,
            row,
            category=IncentiveCategory(row.category),
            status=IncentiveStatus(row.status),
            basis_kind=IncentiveBasisKind(row.basis_kind),
            complaint_id=_gid("Complaint", row.complaint_id),
            violation_case_id=_gid("ViolationCase", row.violation_case_id),
            pending_operation_id=_gid("PendingOperation", row.pending_operation_id),
        )


@strawberry.type
class ViolationCase(relay.Node):
    """A violation by a staff member whose handling starts within
    violation_handling_start_hours (P5.2.5)."""

    id: relay.NodeID[int]
    severity: ViolationSeverity
    description: str
    status: ViolationCaseStatus
    handling_due_at: dt.datetime
    handling_started_at: dt.datetime | None
    handling_note: str
    escalated_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: ViolationCaseOutcome | None
    outcome_note: str
    penalty_id: strawberry.ID | None = strawberry.field(
        description="The penalty (an IncentiveEntry) the case led to."
    )
    created_at: dt.datetime
    staff_account_id: strawberry.Private[int]
    opened_by_account_id: strawberry.Private[int]
    handler_account_id: strawberry.Private[int | None]

    @strawberry.field
    async def staff(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.staff_account_id)

    @strawberry.field
    async def opened_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.opened_by_account_id)

    @strawberry.field
    async def handler(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.handler_account_id)

    @classmethod
    def of(cls, row) -> ViolationCase:
        return from_row(
            cls,
            row,
            severity=ViolationSeverity(row.severity),
            status=ViolationCaseStatus(row.status),
            outcome=row.outcome and ViolationCaseOutcome(row.outcome),
            penalty_id=_gid("IncentiveEntry", row.penalty_entry_id),
        )


@strawberry.type
class BlacklistEntry(relay.Node):
    """A permanent blacklist entry for data falsification (P5.2.4)."""

    id: relay.NodeID[int]
    display_name: str
    id_document_number: str = strawberry.field(description="Masked: the last four characters only.")
    reason: str
    violation_case_id: strawberry.ID | None
    created_at: dt.datetime
    account_id: strawberry.Private[int | None]
    decided_by_account_id: strawberry.Private[int]

    @strawberry.field
    async def staff(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.account_id)

    @strawberry.field
    async def decided_by(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.decided_by_account_id)

    @classmethod
    def of(cls, row) -> BlacklistEntry:
        return from_row(
            cls,
            row,
            id_document_number=blacklist.masked_document(row),
            violation_case_id=_gid("ViolationCase", row.violation_case_id),
        )


# ---- inputs and payloads --------------------------------------------------------------------


@strawberry.input
class IncentiveFilter:
    staff_id: relay.GlobalID | None = None
    category: IncentiveCategory | None = None
    status: IncentiveStatus | None = None


@strawberry.input
class ViolationCaseFilter:
    staff_id: relay.GlobalID | None = None
    status: ViolationCaseStatus | None = None


@strawberry.input
class IncentiveBasisInput:
    kind: IncentiveBasisKind
    reference: str | None = strawberry.field(
        default=None, description="E.g. the evaluation, required for EVALUATION."
    )
    complaint_id: relay.GlobalID | None = None
    violation_case_id: relay.GlobalID | None = None


@strawberry.input
class GrantRewardInput:
    staff_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    kind: RewardKind
    reason: str | None = None
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None = strawberry.field(
        default=None, description="Required for cash (TARGET_BONUS, PROJECT_BONUS)."
    )
    currency: str | None = None
    basis: IncentiveBasisInput | None = None


@strawberry.input
class ImposePenaltyInput:
    staff_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    kind: PenaltyKind
    reason: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal | None = strawberry.field(
        default=None, description="The performance pay cancelled, if known."
    )
    currency: str | None = None
    basis: IncentiveBasisInput | None = None


@strawberry.input
class DeductForComplaintHandlingInput:
    staff_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    complaint_id: relay.GlobalID
    reason: str
    period_start: dt.date
    period_end: dt.date
    percent: Decimal | None = strawberry.field(
        default=None,
        description="Decided share within complaint_penalty_min_percent and "
        "complaint_penalty_max_percent; by default the complaint's severity decides.",
    )
    performance_pay: Decimal | None = None
    currency: str | None = None


@strawberry.input
class DecideIncentiveInput:
    entry_id: relay.GlobalID
    decision: IncentiveDecision
    comment: str | None = None


@strawberry.input
class BlacklistForFalsificationInput:
    staff_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    id_document_number: str
    reason: str
    violation_case_id: relay.GlobalID | None = None


@strawberry.input
class OpenViolationCaseInput:
    staff_id: relay.GlobalID = strawberry.field(description="A StaffAccount.")
    severity: ViolationSeverity
    description: str


@strawberry.input
class StartViolationHandlingInput:
    case_id: relay.GlobalID
    note: str | None = None


@strawberry.input
class CloseViolationCaseInput:
    case_id: relay.GlobalID
    outcome: ViolationCaseOutcome
    penalty_id: relay.GlobalID | None = None
    note: str


@strawberry.type
class IncentivePayload:
    entry: IncentiveEntry | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when a termination waits for a second person's confirmation (P6.2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BlacklistPayload:
    entry: BlacklistEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ViolationCasePayload:
    violation_case: ViolationCase | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
