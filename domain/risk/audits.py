"""The quarterly internal audit (P6.2.2): a reproducible random sample of the quarter's cases,
findings per sampled case, and the report to the operations committee.

The cases of a quarter (hotel-local calendar quarter, `2026-Q3`) are of four kinds, each by the
time it was created: bookings, complaints, approval requests, and permission uses. A permission
use is an audit entry of a staff member that either used a privileged permission
(`PRIVILEGED_ACTIONS`: the matrix, policy parameters, staff roles, API tokens, dual review,
archive keys and deletions, approval decisions, points adjustments, refunds, crisis groups) or
was refused by the permission matrix (DENIED: an attempt beyond one's permissions).

The sample takes `audit_sample_percent` of each non-empty kind, rounded up, so at least one case
of every kind that has any. It is drawn by `random.Random` seeded with the recorded seed, the
quarter and the kind, from the case ids in ascending order: the same seed over the same quarter
gives the same sample. Only ended quarters are audited (their cases no longer change); a
quarter without any case is refused (EMPTY_QUARTER). A job draws the previous quarter once it
ended, with a fresh seed; an auditor may draw first, with a seed of their own.

Auditors record a finding on each sampled case (severity and text) and close the audit once
every case has one. The report (markdown: population, seed, every case with its finding) is
archived as a tier 3 report, recorded with the audit, and the operations committee is told.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.documents import uploads
from domain.documents.kinds import Kind
from domain.documents.retention import local_midnight
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import (
    ApprovalRequest,
    AuditEntry,
    AuditSample,
    Booking,
    Complaint,
    InternalAudit,
)
from domain.policy_params import params
from domain.unit_of_work import audited, refusals_audited

MAX_TEXT = 5_000
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_SEED = re.compile(r"[A-Za-z0-9_-]{1,40}")

# Audit actions that use a privileged permission: a sampled one is checked for its authority.
PRIVILEGED_ACTIONS = (
    "setRoleGrant",
    "setPolicyParameter",
    "createStaffAccount",
    "updateStaffAccount",
    "createApiToken",
    "revokeApiToken",
    "confirmOperation",
    "rejectOperation",
    "deleteDocument",
    "requestDeleteDocument",
    "restoreArchive",
    "rotateArchiveKey",
    "requestArchiveKeyRotation",
    "setSigningKey",
    "decideApproval",
    "adjustPoints",
    "settleRefund",
    "conveneCrisisGroup",
    "dissolveCrisisGroup",
    "redeliverOutboxEvent",
)


class CaseKind(StrEnum):
    BOOKING = "BOOKING"
    COMPLAINT = "COMPLAINT"
    APPROVAL = "APPROVAL"
    PERMISSION_USE = "PERMISSION_USE"


class AuditStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Severity(StrEnum):
    NONE = "NONE"  # the case was handled as the process requires
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


# The global-id type of each kind's case.
CASE_TYPE = {
    CaseKind.BOOKING: "Booking",
    CaseKind.COMPLAINT: "Complaint",
    CaseKind.APPROVAL: "ApprovalRequest",
    CaseKind.PERMISSION_USE: "AuditEntry",
}


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year:04d}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:  # exclusive
        if self.number == 4:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, 3 * self.number + 1, 1)

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)


def parse_quarter(value: str | None) -> Quarter:
    found = _QUARTER.fullmatch((value or "").strip().upper())
    if not found or not 2000 <= int(found.group(1)) <= 9000:
        raise DomainError(
            ErrorCode.INVALID, "A quarter is written like 2026-Q3 (years 2000 to 9000).", "quarter"
        )
    return Quarter(int(found.group(1)), int(found.group(2)))


async def population(quarter: Quarter) -> dict[CaseKind, list[int]]:
    """The case ids of each kind created in the quarter, ascending."""
    start, end = local_midnight(quarter.start), local_midnight(quarter.end)
    window = {"created_at__gte": start, "created_at__lt": end}
    found = {
        CaseKind.BOOKING: await Booking.filter(**window).order_by("id").values_list(
            "id", flat=True
        ),
        CaseKind.COMPLAINT: await Complaint.filter(**window).order_by("id").values_list(
            "id", flat=True
        ),
        CaseKind.APPROVAL: await ApprovalRequest.filter(**window).order_by("id").values_list(
            "id", flat=True
        ),
    }
    privileged = await AuditEntry.filter(
        at__gte=start, at__lt=end, actor_kind="STAFF", action__in=PRIVILEGED_ACTIONS,
        outcome="SUCCESS",
    ).values_list("id", flat=True)
    denied = await AuditEntry.filter(
        at__gte=start, at__lt=end, actor_kind="STAFF", outcome="DENIED"
    ).values_list("id", flat=True)
    found[CaseKind.PERMISSION_USE] = sorted(set(privileged) | set(denied))
    return {kind: list(ids) for kind, ids in found.items()}


def draw(
    cases: dict[CaseKind, list[int]], percent: Decimal, seed: str, quarter: Quarter
) -> dict[CaseKind, list[int]]:
    """The sample: `percent` of each kind (rounded up, at least one of a non-empty kind), drawn
    by a generator seeded with the seed, the quarter and the kind. Same inputs, same sample."""
    sample = {}
    for kind in CaseKind:
        ids = sorted(cases.get(kind, []))
        if not ids:
            sample[kind] = []
            continue
        size = min(len(ids), max(1, math.ceil(len(ids) * percent / 100)))
        generator = random.Random(f"{seed}|{quarter.label}|{kind.value}")
        sample[kind] = sorted(generator.sample(ids, size))
    return sample


def _seed(value: str | None) -> str:
    if value is None or not value.strip():
        return secrets.token_hex(8)
    clean = value.strip()
    if not _SEED.fullmatch(clean):
        raise DomainError(
            ErrorCode.INVALID,
            "A seed is 1 to 40 letters, digits, dashes or underscores.",
            "seed",
        )
    return clean


async def start(actor: Actor, quarter_label: str, seed: str | None = None) -> InternalAudit:
    """Draw the sample of an ended quarter and open its audit (inside the caller's unit of
    work); the auditors are told."""
    quarter = parse_quarter(quarter_label)
    chosen = _seed(seed)
    if local_midnight(quarter.end) > clock.now():
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "Only a quarter that has ended is audited.", "quarter"
        )
    if await InternalAudit.filter(quarter=quarter.label).exists():
        raise _audited_already(quarter)
    cases = await population(quarter)
    if not any(cases.values()):
        raise DomainError(
            ErrorCode.EMPTY_QUARTER,
            f"Quarter {quarter.label} has no cases to audit.",
            "quarter",
        )
    percent = await params.audit_sample_percent
    sample = draw(cases, percent, chosen, quarter)
    try:
        # A savepoint: the unique quarter decides between two starts at the same moment (both
        # saw no audit above); the loser's insert is undone alone and refused like a late start.
        async with in_transaction():
            audit = await InternalAudit.create(
                quarter=quarter.label,
                seed=chosen,
                sample_percent=percent,
                population={kind.value: len(ids) for kind, ids in cases.items()},
                status=AuditStatus.OPEN,
                opened_by_ref=actor.identity.actor_ref or "system",
                opened_by_account_id=actor.account_id,
            )
    except IntegrityError:
        raise _audited_already(quarter) from None
    await AuditSample.bulk_create(
        [
            AuditSample(audit_id=audit.id, case_kind=kind, case_id=case_id)
            for kind in CaseKind
            for case_id in sample[kind]
        ]
    )
    auditors = await notifications.staff_with_roles("auditor")
    drawn = sum(len(ids) for ids in sample.values())
    await notifications.notify_many(
        [a for a in auditors if a != actor.account_id],
        "INTERNAL_AUDIT_OPENED",
        f"Internal audit of {quarter.label}: {drawn} cases to review",
        f"Seed {chosen}, {percent}% of each kind of case.",
        subject_type="InternalAudit",
        subject_id=audit.id,
    )
    return audit


def _audited_already(quarter: Quarter) -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE, f"Quarter {quarter.label} is audited already.", "quarter"
    )


async def draw_due(actor: Actor = SYSTEM) -> int:
    """The job: open the audit of the quarter that ended last, once (a quarter audited already,
    or without cases, is left alone)."""
    quarter = Quarter.of(clock.today()).previous()
    if await InternalAudit.filter(quarter=quarter.label).exists():
        return 0
    if not any((await population(quarter)).values()):
        return 0

    async def work() -> InternalAudit:
        return await start(actor, quarter.label)

    try:
        await audited(actor, "startInternalAudit", "InternalAudit", work)
    except DomainError as refusal:
        if refusal.code == ErrorCode.DUPLICATE:  # another run drew it meanwhile, or at once
            return 0
        raise
    return 1


async def record_finding(
    actor: Actor, sample_id: int, severity: str, finding: str
) -> AuditSample:
    sample = await AuditSample.get_or_none(id=sample_id)
    if sample is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such sampled case.", "sampleId")
    try:
        level = Severity(severity)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Unknown severity.", "severity") from None
    text = (finding or "").strip()
    if not text:
        raise DomainError(ErrorCode.REQUIRED, N_("Write the finding."), "finding")
    if len(text) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", "finding")
    changed = await AuditSample.filter(
        id=sample.id, audit__status=AuditStatus.OPEN
    ).update(
        severity=level,
        finding=text,
        recorded_by_account_id=actor.account_id,
        recorded_at=clock.now(),
    )
    if not changed:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "The audit is closed.", "sampleId")
    return await AuditSample.get(id=sample.id)


# ---- closing and the report -----------------------------------------------------------------


def _report_text(audit: InternalAudit, samples: list[AuditSample], summary: str) -> bytes:
    def when(moment: dt.datetime) -> str:
        return clock.local(moment).strftime("%Y-%m-%d %H:%M")

    counts = {s: sum(1 for x in samples if x.severity == s) for s in Severity}
    lines = [
        f"# Internal audit {audit.quarter}",
        f"Opened {when(audit.created_at)}, closed {when(clock.now())}.",
        f"Sample: {audit.sample_percent}% of each kind of case, seed {audit.seed}.",
        "",
        "## Cases of the quarter",
    ]
    for kind in CaseKind:
        drawn = sum(1 for s in samples if s.case_kind == kind)
        lines.append(f"- {kind.value}: {audit.population.get(kind.value, 0)}, sampled {drawn}")
    lines += ["", "## Findings by severity"]
    lines += [f"- {s.value}: {counts[s]}" for s in Severity]
    lines += ["", "## Sampled cases"]
    for s in samples:
        lines.append(f"- {s.case_kind} {s.case_id}: {s.severity} - {s.finding}")
    lines += ["", "## Summary", summary]
    return "\n".join(lines).encode("utf-8")


async def close(actor: Actor, audit_id: int, summary: str) -> InternalAudit:
    """Close an audit whose every case has a finding: archive its report and tell the
    operations committee. The report is written to the archive first, outside any transaction,
    as every archive write is."""
    async with refusals_audited(actor, "closeInternalAudit", "InternalAudit", subject_id=audit_id):
        audit = await InternalAudit.get_or_none(id=audit_id)
        if audit is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such internal audit.", "auditId")
        if audit.status != AuditStatus.OPEN:
            raise DomainError(ErrorCode.ALREADY_DECIDED, "The audit is closed.", "auditId")
        said = (summary or "").strip()
        if not said:
            raise DomainError(ErrorCode.REQUIRED, N_("Summarise the audit."), "summary")
        if len(said) > MAX_TEXT:
            raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_TEXT} characters.", "summary")
        samples = await AuditSample.filter(audit_id=audit.id).order_by("id")
        open_cases = sum(1 for s in samples if s.severity is None)
        if open_cases:
            raise DomainError(
                ErrorCode.REQUIRED,
                f"Record a finding on every sampled case first ({open_cases} left).",
                "auditId",
            )
        new = uploads.NewDocument(
            kind=Kind.REPORT,
            subject=f"internal audit {audit.quarter} report",
            content_type="text/markdown",
            description=said[:500],
            related_subject_type="InternalAudit",
            related_subject_id=str(audit.id),
        )
        uploads.check_new(new, uploadable_only=False)
        text = _report_text(audit, samples, said)
        stored = await uploads.store_content(new, Kind.REPORT, io.BytesIO(text), None)
        recorded = {s.id: s.recorded_at for s in samples}

    async def work() -> InternalAudit:
        claimed = await InternalAudit.filter(id=audit.id, status=AuditStatus.OPEN).update(
            status=AuditStatus.CLOSED,
            closed_at=clock.now(),
            closed_by_account_id=actor.account_id,
            summary=said,
        )
        if not claimed:
            raise DomainError(ErrorCode.ALREADY_DECIDED, "The audit is closed.", "auditId")
        now_recorded = dict(
            await AuditSample.filter(audit_id=audit.id).values_list("id", "recorded_at")
        )
        if now_recorded != recorded:
            raise DomainError(
                ErrorCode.CONFLICT, "A finding was recorded meanwhile; try again.", "auditId"
            )
        document = await uploads.create_document(actor, stored)
        await InternalAudit.filter(id=audit.id).update(document_id=document.id)
        committee = await notifications.staff_with_roles("committee")
        await notifications.notify_many(
            committee,
            "INTERNAL_AUDIT_REPORT",
            f"Internal audit report of {audit.quarter}",
            said[:2000],
            subject_type="Document",
            subject_id=document.id,
        )
        return await InternalAudit.get(id=audit.id)

    return await audited(
        actor, "closeInternalAudit", "InternalAudit", work, subject_id=audit.id,
        detail=said[:500],
    )


# ---- reading --------------------------------------------------------------------------------


@dataclass
class AuditFilter:
    status: str | None = None


async def list_audits(f: AuditFilter, *, first: int, after_id: int | None):
    query = InternalAudit.all()
    if f.status:
        query = query.filter(status=f.status)
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def samples_of(audit_ids: list[int]) -> dict[int, list[AuditSample]]:
    found: dict[int, list[AuditSample]] = {i: [] for i in audit_ids}
    for row in await AuditSample.filter(audit_id__in=sorted(set(audit_ids)) or [0]).order_by("id"):
        found[row.audit_id].append(row)
    return found
