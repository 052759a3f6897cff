"""Report fields of the root types: reports with their deadline status, generating and
submitting them (P3.2.7 formats and submission deadlines)."""

from __future__ import annotations

import strawberry

from resolvers import reports
from schema.permissions import requires
from schema.types.documents import Report, ReportPayload
from schema.types.relay import Connection


@strawberry.type
class ReportQuery:
    reports: Connection[Report] = strawberry.field(
        resolver=reports.reports, extensions=[requires("report", "read")]
    )


@strawberry.type
class ReportMutation:
    generate_report: ReportPayload = strawberry.mutation(
        resolver=reports.generate_report, extensions=[requires("report", "generate")]
    )
    submit_report: ReportPayload = strawberry.mutation(
        resolver=reports.submit_report, extensions=[requires("report", "submit")]
    )
