"""The settlement with Finance as a section of the daily report (P1.1 settlement of booking
payments, P3.2.7 the daily report): each day's report carries the day's settlement, balanced
to the cent, with every mismatch listed."""

from __future__ import annotations

from decimal import Decimal

from domain.finance.settlement import settlement_report
from domain.i18n import N_
from domain.reports.periods import Period, Window
from domain.reports.registry import SectionContent, Table, section


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@section("settlement", N_("Settlement with Finance"), 45, frozenset({Period.DAILY}))
async def settlement(target: Window) -> SectionContent:
    report = await settlement_report(target.start)
    rows = [
        [
            line.currency,
            str(line.bookings_count),
            _money(line.booked_value),
            _money(line.payments_received),
            _money(line.refunds_paid),
            _money(line.ledger_net),
            _money(line.receivable),
            _money(line.payable),
        ]
        for line in report.lines
    ]
    tables = [
        Table(
            [
                N_("Currency"),
                N_("Bookings"),
                N_("Booked value"),
                N_("Payments received"),
                N_("Refunds paid"),
                N_("Ledger net"),
                N_("Receivable"),
                N_("Payable"),
            ],
            rows,
        )
    ]
    if report.mismatches:
        tables.append(Table([N_("Mismatch")], [[m] for m in report.mismatches]))
    return SectionContent(
        figures=[
            (N_("Balanced"), N_("yes") if report.balanced else N_("no")),
            (N_("Mismatches"), str(len(report.mismatches))),
        ],
        tables=tables,
        note=N_("Outstanding amounts are as at the end of the day."),
    )
