"""Finance fields of the root types: budgets (P4.1.3) and the settlement of booking money
(P1.1)."""

from __future__ import annotations

import strawberry

from resolvers import finance
from schema.permissions import requires
from schema.types.finance import (
    Budget,
    BudgetPayload,
    LedgerEntry,
    LedgerEntryPayload,
    SettlementReport,
    SettleRefundPayload,
)
from schema.types.relay import Connection


@strawberry.type
class FinanceQuery:
    budgets: Connection[Budget] = strawberry.field(
        resolver=finance.list_budgets,
        extensions=[requires("budget", "read")],
        description="Budget lines with what is declared, committed, spent and remaining.",
    )
    ledger_entries: Connection[LedgerEntry] = strawberry.field(
        resolver=finance.ledger_entries,
        extensions=[requires("ledger", "read")],
        description="Payments, deposits and refunds of bookings, newest first.",
    )
    settlement_report: SettlementReport = strawberry.field(
        resolver=finance.settlement_report,
        extensions=[requires("settlement", "read")],
        description="One hotel-local day's settlement of booking money, to the cent.",
    )


@strawberry.type
class FinanceMutation:
    declare_budget: BudgetPayload = strawberry.mutation(
        resolver=finance.declare_budget, extensions=[requires("budget", "declare")]
    )
    record_payment: LedgerEntryPayload = strawberry.mutation(
        resolver=finance.record_payment, extensions=[requires("ledger", "record")]
    )
    settle_refund: SettleRefundPayload = strawberry.mutation(
        resolver=finance.settle_refund, extensions=[requires("refund", "settle")]
    )
