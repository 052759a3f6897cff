"""Generating, submitting and chasing reports.

`generate` builds the template of a period from its registered sections, renders the HTML,
archives it as a tier 3 work record (`REPORT`) and records the `Report` with its deadline; the
job generates the last completed day, week and month once each. The report owners (data
analysts, who study trends per P2.2) are told when a report is ready, reminded
`report_reminder_lead_hours` before the deadline, and told together with their supervisors and
the director once it is overdue. Each notice goes out once: it is claimed by a conditional
update of its stamp before it is sent. `submit` marks a report submitted and keeps whether it
was late.

Policy: P3.2.7 (report templates; submission deadlines 24 h / 48 h / 72 h), P3.2.3 (reports
archived as work records), P7.1.1 (notices to the people concerned).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.errors import DomainError, ErrorCode
from domain.finance import report_section as settlement_section
from domain.i18n import default_language, translate
from domain.models import Report
from domain.notifications import notify, staff_with_roles
from domain.policy_params import params
from domain.reports import booking_sections, periods, registry
from domain.reports.periods import Period
from domain.reports.render import render_report
from domain.unit_of_work import audited, refusals_audited

log = logging.getLogger(__name__)

OWNER_ROLES = ("data_analyst",)
ESCALATION_ROLES = ("supervisor", "director")
# The bookings sections register on import; other areas register theirs the same way.
REGISTERED_AREAS = (booking_sections, settlement_section)


class ReportStatus(StrEnum):
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    SUBMITTED = "SUBMITTED"


def status_of(report: Report, now: dt.datetime | None = None) -> ReportStatus:
    if report.status == "SUBMITTED":
        return ReportStatus.SUBMITTED
    return ReportStatus.OVERDUE if (now or clock.now()) > report.due_at else ReportStatus.DUE


def listing(
    *, period: str | None = None, status: ReportStatus | None = None, now: dt.datetime | None = None
):
    """Reports of a period and deadline status, as a query: the same DUE/OVERDUE line as
    `status_of` (due exactly now is still DUE)."""
    query = Report.all()
    if period is not None:
        query = query.filter(period=period)
    moment = now or clock.now()
    if status == ReportStatus.SUBMITTED:
        query = query.filter(status="SUBMITTED")
    elif status == ReportStatus.DUE:
        query = query.filter(status="GENERATED", due_at__gte=moment)
    elif status == ReportStatus.OVERDUE:
        query = query.filter(status="GENERATED", due_at__lt=moment)
    return query


def submitted_late(report: Report) -> bool:
    return report.submitted_at is not None and report.submitted_at > report.due_at


async def _tell(roles: tuple[str, ...], kind: str, title: str, body: str, report_id: int) -> None:
    for account_id in await staff_with_roles(*roles):
        await notify(account_id, kind, title, body, subject_type="Report", subject_id=report_id)


async def generate(actor: Actor, period: str, day: dt.date) -> Report:
    """Build, archive and record the report of the period containing `day`."""
    async with refusals_audited(actor, "generateReport", "Report"):
        try:
            chosen = Period(period)
        except ValueError:
            raise DomainError(ErrorCode.INVALID, "Unknown report period.", "period") from None
        if day.year < 2000:
            # Far-off dates have no hotel-local midnight in UTC (year 1 overflows).
            raise DomainError(ErrorCode.INVALID, "Reports cover days from 2000 on.", "date")
        target = periods.window(chosen, day)
        if target.end > clock.today():
            raise DomainError(
                ErrorCode.INVALID, f"The period {target.label} is not over yet.", "date"
            )
        if await Report.filter(period=chosen, period_start=target.start).exists():
            raise DomainError(
                ErrorCode.DUPLICATE, f"The report for {target.label} exists already.", "date"
            )
        due_at = await periods.due_at(target)
        sections = registry.sections_for(chosen)
        contents = [(s, await s.build(target)) for s in sections]
        title = f"{translate(registry.TEMPLATES[chosen].title, default_language())} {target.label}"
        html = render_report(
            title,
            target,
            contents,
            generated_at=clock.local(clock.now()),
            timezone=str(clock.hotel_timezone),
            due_at=clock.local(due_at),
        )
        new = uploads.NewDocument(
            kind=Kind.REPORT,
            subject=f"{chosen.lower()} report {target.label}",
            content_type="text/html",
            description=title,
        )
        stored = await uploads.store_content(new, Kind.REPORT, io.BytesIO(html), None)

    async def work() -> Report:
        document = await uploads.create_document(actor, stored)
        try:
            async with in_transaction():
                report = await Report.create(
                    period=chosen,
                    period_start=target.start,
                    period_end=target.end,
                    title=title,
                    document_id=document.id,
                    sections=[s.key for s in sections],
                    due_at=due_at,
                    generated_by_ref=actor.identity.actor_ref or "system",
                )
        except IntegrityError:
            raise DomainError(
                ErrorCode.DUPLICATE, f"The report for {target.label} exists already.", "date"
            ) from None
        await _tell(
            OWNER_ROLES,
            "REPORT_READY",
            f"{title} is ready",
            f"Submit it by {clock.local(due_at).isoformat(timespec='minutes')}.",
            report.id,
        )
        return report

    return await audited(actor, "generateReport", "Report", work, detail=f"{title}: {stored.name}")


async def generate_due(actor: Actor = SYSTEM) -> list[Report]:
    """Generate the last completed daily, weekly and monthly reports that do not exist yet."""
    made = []
    today = clock.today()
    for period in Period:
        target = periods.last_completed(period, today)
        if await Report.filter(period=period, period_start=target.start).exists():
            continue
        try:
            made.append(await generate(actor, period, target.start))
        except DomainError as refusal:
            log.warning("report %s %s not generated: %s", period, target.label, refusal.message)
    return made


async def submit(actor: Actor, report_id: int, note: str = "") -> Report:
    """Mark a report submitted (call inside an audited unit of work)."""
    report = await Report.get_or_none(id=report_id)
    if report is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such report.", "reportId")
    submitted = await Report.filter(id=report.id, status="GENERATED").update(
        status="SUBMITTED",
        submitted_at=clock.now(),
        submitted_by_account_id=actor.account_id,
        submission_note=(note or "").strip(),
    )
    if not submitted:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "The report was submitted already.")
    return await Report.get(id=report.id)


async def _notice(report: Report, stamp: str, action: str, roles, kind: str, title: str) -> bool:
    claimed = await Report.filter(id=report.id, status="GENERATED", **{stamp: None}).update(
        **{stamp: clock.now()}
    )
    if not claimed:
        return False
    due = clock.local(report.due_at).isoformat(timespec="minutes")

    async def work() -> Report:
        await _tell(roles, kind, title, f"Submission deadline: {due}.", report.id)
        return report

    await audited(SYSTEM, action, "Report", work, detail=f"{report.title}, due {due}")
    return True


async def send_deadline_notices() -> dict[str, int]:
    """Remind owners before a deadline; flag overdue reports to owners and supervisors."""
    now = clock.now()
    lead = dt.timedelta(hours=await params.report_reminder_lead_hours)
    sent = {"reminded": 0, "overdue": 0}
    for report in await Report.filter(
        status="GENERATED", reminded_at=None, due_at__gte=now, due_at__lte=now + lead
    ):
        if await _notice(
            report,
            "reminded_at",
            "remindReport",
            OWNER_ROLES,
            "REPORT_DUE_SOON",
            f"{report.title} is due soon",
        ):
            sent["reminded"] += 1
    for report in await Report.filter(status="GENERATED", overdue_notified_at=None, due_at__lt=now):
        if await _notice(
            report,
            "overdue_notified_at",
            "flagReportOverdue",
            OWNER_ROLES + ESCALATION_ROLES,
            "REPORT_OVERDUE",
            f"{report.title} is overdue",
        ):
            sent["overdue"] += 1
    return sent
