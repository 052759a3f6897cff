"""Budgets and settlement with Finance (P4.1.3, P1.1).

`departments` (the declared departments a budget belongs to, until the organisation model
exists), `budgets` (monthly budget lines declared and approved like any spending, spending
approvals that hold part of a line, Finance's special permission to go over it), `settlement`
(payments, deposits and refunds of bookings as ledger entries, refunds paid out by Finance, the
daily settlement report), `report_section` (that report as a section of the daily report).
"""
