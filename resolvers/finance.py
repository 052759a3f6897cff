"""Budgets and settlement with Finance: declare budgets and list them with what is committed
and spent (P4.1.3), record booking payments, pay out refunds, the ledger and the daily
settlement report (P1.1)."""

from __future__ import annotations

import datetime as dt

import strawberry

from authz.enforcer import Access
from domain.errors import DomainError
from domain.finance import budgets, settlement
from domain.models import Budget as BudgetRow
from domain.models import LedgerEntry as LedgerRow
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.bookings import Refund
from schema.types.errors import bad_request
from schema.types.finance import (
    Budget,
    BudgetFilter,
    BudgetPayload,
    DeclareBudgetInput,
    LedgerEntry,
    LedgerEntryPayload,
    LedgerFilter,
    RecordPaymentInput,
    SettlementReport,
    SettleRefundInput,
    SettleRefundPayload,
)
from schema.types.relay import Connection, paginate, parse_global_id


async def list_budgets(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: BudgetFilter | None = None,
) -> Connection[Budget]:
    f = filter or BudgetFilter()
    try:
        query = budgets.budgets_query(
            budgets.BudgetFilter(
                department=f.department,
                category=f.category,
                month=f.month,
                status=f.status.value if f.status else None,
            )
        )
    except DomainError as refusal:
        raise bad_request(refusal.message) from None
    return await paginate(query, first, after, Budget.of)


async def declare_budget(info: strawberry.Info, input: DeclareBudgetInput) -> BudgetPayload:
    async def work():
        return await budgets.declare_budget(
            info.context.actor,
            department=input.department,
            category=input.category,
            month=input.month,
            amount=input.amount,
            currency=input.currency,
            reason=input.reason,
        )

    row, errors = await run_audited(info, "declareBudget", "Budget", work)
    return BudgetPayload(budget=row and Budget.of(row), errors=errors)


async def ledger_entries(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: LedgerFilter | None = None,
) -> Connection[LedgerEntry]:
    booking_id = None
    if filter is not None and filter.booking_id is not None:
        try:
            booking_id = parse_global_id(filter.booking_id, "Booking", "bookingId")
        except DomainError as refusal:
            raise bad_request(refusal.message) from None
    return await paginate(settlement.ledger_query(booking_id), first, after, LedgerEntry.of)


async def record_payment(info: strawberry.Info, input: RecordPaymentInput) -> LedgerEntryPayload:
    async def work():
        return await settlement.record_payment(
            info.context.actor,
            parse_global_id(input.booking_id, "Booking", "bookingId"),
            amount=input.amount,
            kind=input.kind.value,
            method=input.method.value,
            reference=input.reference,
            currency=input.currency,
        )

    row, errors = await run_audited(info, "recordPayment", "LedgerEntry", work)
    return LedgerEntryPayload(ledger_entry=row and LedgerEntry.of(row), errors=errors)


async def settle_refund(info: strawberry.Info, input: SettleRefundInput) -> SettleRefundPayload:
    async def work():
        return await settlement.settle_refund(
            info.context.actor,
            parse_global_id(input.refund_id, "Refund", "refundId"),
            input.reference,
            input.method.value,
        )

    result, errors = await run_audited(info, "settleRefund", "Refund", work)
    if result is None:
        return SettleRefundPayload(errors=errors)
    return SettleRefundPayload(
        refund=Refund.of(result.refund), ledger_entry=LedgerEntry.of(result.entry)
    )


async def settlement_report(info: strawberry.Info, date: dt.date) -> SettlementReport:
    try:
        report = await settlement.settlement_report(date)
    except DomainError as refusal:
        raise bad_request(refusal.message) from None
    return SettlementReport.of(report)


@register("Budget", "budget")
async def _budget_node(info: strawberry.Info, pk: int, access: Access) -> Budget | None:
    row = await BudgetRow.get_or_none(id=pk)
    return row and Budget.of(row)


@register("LedgerEntry", "ledger")
async def _ledger_node(info: strawberry.Info, pk: int, access: Access) -> LedgerEntry | None:
    row = await LedgerRow.get_or_none(id=pk)
    return row and LedgerEntry.of(row)
