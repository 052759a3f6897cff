"""Reports: list them with their deadline status, generate one for a finished period, submit
one. The report's HTML is a tier 3 document, read through `documentDownloadUrl`.

Policy: P3.2.7 (report formats and submission deadlines 24 h / 48 h / 72 h).
"""

from __future__ import annotations

import strawberry

from domain.models import Report as ReportRow
from domain.reports import service
from resolvers.support import run_audited, run_self_audited
from schema.types.documents import (
    GenerateReportInput,
    Report,
    ReportFilter,
    ReportPayload,
    SubmitReportInput,
)
from schema.types.relay import Connection, paginate, parse_global_id


async def reports(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ReportFilter | None = None,
) -> Connection[Report]:
    query = service.listing(
        period=filter.period.value if filter and filter.period else None,
        status=filter.status if filter else None,
    )
    return await paginate(query, first, after, Report.of)


async def generate_report(info: strawberry.Info, input: GenerateReportInput) -> ReportPayload:
    row, errors = await run_self_audited(
        lambda: service.generate(info.context.actor, input.period.value, input.date)
    )
    return ReportPayload(report=Report.of(row) if row else None, errors=errors)


async def submit_report(info: strawberry.Info, input: SubmitReportInput) -> ReportPayload:
    async def work() -> ReportRow:
        pk = parse_global_id(input.report_id, "Report", "reportId")
        return await service.submit(info.context.actor, pk, input.note)

    row, errors = await run_audited(info, "submitReport", "Report", work)
    return ReportPayload(report=Report.of(row) if row else None, errors=errors)
