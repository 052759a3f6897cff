"""Budgets, ledger entries and the daily settlement (P4.1.3 monthly budgets and Finance's
special permission, P1.1 settlement of booking payments with Finance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.finance import budgets, settlement
from schema.types.bookings import Refund
from schema.types.errors import UserError
from schema.types.mapping import from_row
from schema.types.relay import global_id

BudgetStatus = strawberry.enum(budgets.BudgetStatus, name="BudgetStatus")
LedgerEntryKind = strawberry.enum(settlement.EntryKind, name="LedgerEntryKind")
PaymentKind = strawberry.enum(settlement.PaymentKind, name="PaymentKind")
PaymentMethod = strawberry.enum(settlement.PaymentMethod, name="PaymentMethod")


@strawberry.type(description="What a department may spend on a category in a month (P4.1.3).")
class Budget(relay.Node):
    id: relay.NodeID[int]
    department: str
    category: str
    month: str = strawberry.field(description="YYYY-MM")
    declared: Decimal
    committed: Decimal = strawberry.field(description="Held by spending waiting for approval.")
    spent: Decimal = strawberry.field(description="Used by approved spending.")
    remaining: Decimal = strawberry.field(description="Declared less committed and spent.")
    currency: str
    status: BudgetStatus
    reason: str
    approval_id: strawberry.ID | None = strawberry.field(
        description="The approval request of the declaration."
    )
    created_at: dt.datetime
    activated_at: dt.datetime | None

    @classmethod
    def of(cls, row) -> Budget:
        return from_row(
            cls,
            row,
            month=row.month.strftime("%Y-%m"),
            remaining=budgets.remaining(row),
            status=BudgetStatus(row.status),
            approval_id=row.approval_id
            and strawberry.ID(str(global_id("ApprovalRequest", row.approval_id))),
        )


@strawberry.type(description="Money of a booking that moved, as Finance recorded it (P1.1).")
class LedgerEntry(relay.Node):
    id: relay.NodeID[int]
    kind: LedgerEntryKind
    amount: Decimal = strawberry.field(description="Received is positive, paid out negative.")
    currency: str
    method: str
    reference: str
    business_date: dt.date = strawberry.field(description="The hotel-local day it counts on.")
    booking_id: strawberry.ID
    refund_id: strawberry.ID | None
    created_at: dt.datetime

    @classmethod
    def of(cls, row) -> LedgerEntry:
        return from_row(
            cls,
            row,
            kind=LedgerEntryKind(row.kind),
            booking_id=strawberry.ID(str(global_id("Booking", row.booking_id))),
            refund_id=row.refund_id and strawberry.ID(str(global_id("Refund", row.refund_id))),
        )


@strawberry.type(description="One currency of a day's settlement.")
class SettlementLine:
    currency: str
    bookings_count: int = strawberry.field(description="Bookings taken that day.")
    booked_value: Decimal = strawberry.field(description="Their total value.")
    payments_received: Decimal = strawberry.field(description="Payments and deposits.")
    deposits_received: Decimal
    refunds_paid: Decimal = strawberry.field(description="As the refund records say.")
    ledger_net: Decimal = strawberry.field(description="The sum of the day's ledger entries.")
    receivable: Decimal = strawberry.field(description="Owed by guests at the end of the day.")
    payable: Decimal = strawberry.field(description="Owed to guests at the end of the day.")
    balanced: bool


@strawberry.type(description="A hotel-local day balanced to the cent (P1.1).")
class SettlementReport:
    date: dt.date
    lines: list[SettlementLine]
    balanced: bool
    mismatches: list[str]

    @classmethod
    def of(cls, report: settlement.SettlementReport) -> SettlementReport:
        return cls(
            date=report.day,
            lines=[from_row(SettlementLine, line, balanced=line.balanced) for line in report.lines],
            balanced=report.balanced,
            mismatches=report.mismatches,
        )


@strawberry.input
class BudgetFilter:
    department: str | None = None
    category: str | None = None
    month: str | None = None
    status: BudgetStatus | None = None


@strawberry.input(description="The budget line spending is charged to (P4.1.3).")
class BudgetLineInput:
    department: str
    category: str
    month: str = strawberry.field(description="YYYY-MM")


@strawberry.input
class DeclareBudgetInput:
    department: str
    category: str
    month: str = strawberry.field(description="YYYY-MM, this month or later.")
    amount: Decimal
    currency: str
    reason: str


@strawberry.type
class BudgetPayload:
    budget: Budget | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class LedgerFilter:
    booking_id: relay.GlobalID | None = None


@strawberry.input
class RecordPaymentInput:
    booking_id: relay.GlobalID
    amount: Decimal
    kind: PaymentKind
    method: PaymentMethod
    reference: str
    currency: str | None = None


@strawberry.type
class LedgerEntryPayload:
    ledger_entry: LedgerEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SettleRefundInput:
    refund_id: relay.GlobalID
    reference: str
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER


@strawberry.type
class SettleRefundPayload:
    refund: Refund | None = None
    ledger_entry: LedgerEntry | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
