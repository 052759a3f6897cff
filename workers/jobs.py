"""The job functions (thin: each calls one domain service) and how often each runs.

Every job has the arq signature `async def job(ctx) -> result` and is safe to run twice at the
same time: it claims due rows with conditional updates before acting on them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from domain import (
    accounts,
    analysis,
    approvals,
    audit_seals,
    authority,
    care,
    crisis,
    disputes,
    dual_review,
    followups,
    improvement,
    incentives,
    knowledge,
    meetings,
    outbox,
    performance,
    privacy_rights,
)
from domain.actor import SYSTEM
from domain.bookings import idempotency
from domain.clock import clock
from domain.complaints import deadlines as complaint_deadlines
from domain.compliance import training as compliance_training
from domain.documents import replicas, work_records
from domain.members import expiry, tiers
from domain.models import RefreshToken
from domain.organisation import rotation as org_rotation
from domain.reports import service as reports
from domain.unit_of_work import audited
from workers.telemetry import instrumented


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[dict], Awaitable[object]]
    every_seconds: int
    # `func` measured (count, duration, heartbeat, span): what every runner calls.
    run: Callable[[dict], Awaitable[object]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "run", instrumented(self.name, self.func))


async def prune_sessions(ctx: dict) -> int:
    """Forget refresh tokens that expired more than a week ago (their sessions are over)."""
    cutoff = clock.now() - dt.timedelta(days=7)
    return await RefreshToken.filter(expires_at__lt=cutoff).delete()


async def prune_idempotency_keys(ctx: dict) -> int:
    """Forget idempotency keys past their retention (P3.1.1 retries are answered until then)."""
    return await idempotency.purge_expired()


_dispatcher: outbox.OutboxDispatcher | None = None
OUTBOX_BATCH = 100
OUTBOX_RUN_SECONDS = 20.0


def use_dispatcher(dispatcher: outbox.OutboxDispatcher) -> None:
    global _dispatcher
    _dispatcher = dispatcher


async def deliver_outbox(ctx: dict) -> dict[str, int]:
    """Send due outbox events: PMS sync, vouchers by e-mail and SMS (P3.1.3). Retries with
    backoff; an event past its last attempt is marked dead for an admin to redeliver."""
    if _dispatcher is None:
        raise RuntimeError("the outbox dispatcher is not configured")
    # Batches until nothing due is left or the time budget is spent: a sweep that queued a
    # thousand reminders is sent in one run, not a hundred per cron tick.
    total = outbox.DeliveryReport()
    started = time.monotonic()
    while True:
        report = await _dispatcher.run_once(limit=OUTBOX_BATCH)
        total.delivered += report.delivered
        total.retried += report.retried
        total.dead += report.dead
        handled = report.delivered + report.retried + report.dead
        if handled < OUTBOX_BATCH or time.monotonic() - started > OUTBOX_RUN_SECONDS:
            break
    return {"delivered": total.delivered, "retried": total.retried, "dead": total.dead}


async def expire_approvals(ctx: dict) -> int:
    """Expire approval requests past their due time and run their handlers (P3.1.4, P4.1)."""
    return await audited(SYSTEM, "expireApprovals", "ApprovalRequest", approvals.expire_overdue)


async def archive_work_records(ctx: dict) -> int:
    """Seal each finished month of tier 3 work records (P3.2.3); sealed months are skipped."""
    return len(await work_records.seal_past_months())


async def purge_work_records(ctx: dict) -> int:
    """Remove work records whose retention ended, recording each removal (P3.2.3)."""
    return len((await work_records.purge_expired()).purged)


async def verify_archive_replicas(ctx: dict) -> int | None:
    """Compare and repair the two archive copies, at most once a day (P3.2.5)."""
    check = await replicas.scheduled_check()
    return None if check is None else check.checked


async def generate_reports(ctx: dict) -> int:
    """Generate the last finished daily, weekly and monthly reports once each (P3.2.7)."""
    return len(await reports.generate_due())


async def report_deadlines(ctx: dict) -> dict[str, int]:
    """Remind report owners before deadlines and flag overdue reports (P3.2.7)."""
    return await reports.send_deadline_notices()


async def seal_audit_trail(ctx: dict) -> int:
    """Seal committed audit entries into signed, archived hash trees (P0.3); returns the
    number of entries sealed."""
    return sum(seal.entry_count for seal in await audit_seals.seal_ready())


async def generate_meetings(ctx: dict) -> int:
    """Schedule and announce the regular meetings of every active series ahead (P4.2.1-P4.2.3)."""
    return await meetings.generate_due()


async def meeting_deadlines(ctx: dict) -> dict[str, int]:
    """Flag and escalate overdue minutes; put overdue action items on the owner's next meeting
    (P3.2.6, P4.2.4, P4.2.5)."""
    result = await meetings.sweep()
    return {
        "draftOverdue": result.draft_overdue,
        "finalOverdue": result.final_overdue,
        "itemsCarried": result.items_carried,
    }


async def arbitration_deadlines(ctx: dict) -> int:
    """Flag arbitrations past their decision deadline to the panel and the parties (P7.2.2)."""
    return await disputes.flag_overdue_arbitrations()


async def prune_account_tokens(ctx: dict) -> int:
    """Forget sign-up, reset and claim tokens a day after they expired (issue 9 item 0): an
    unverified sign-up leaves nothing behind."""
    return await accounts.prune_tokens()


async def sweep_complaint_deadlines(ctx: dict) -> dict[str, int]:
    """Warn before complaint response and resolution deadlines and escalate to the supervisors
    after them (P3.1.9); each notice is claimed once, so a rerun sends nothing twice."""
    return await complaint_deadlines.sweep()


async def escalate_follow_ups(ctx: dict) -> int:
    """Tell supervisors once about each first-stay follow-up call past its due time (P3.1.7)."""
    return await followups.escalate_overdue()


async def send_care_campaigns(ctx: dict) -> dict[str, int]:
    """Send the day's care-plan messages, once per member and campaign, to members who
    consented to marketing (P3.1.11)."""
    report = await care.send_due()
    return {"recorded": report.recorded, "sent": report.sent, "skipped": report.skipped}


async def analyse_members(ctx: dict) -> int | None:
    """Analyse members' consumption in the last finished month and make their recommendations
    (P3.1.8); a finished month is not repeated and a stopped one resumes. Returns the number
    of members analysed, or None when the month was done already."""
    run = await analysis.analyse_last_month()
    return None if run is None else run.members_done


async def remind_emergency_paperwork(ctx: dict) -> int:
    """Remind the deciders of emergency paperwork that falls due soon (P4.1.2); each request
    is reminded once (claimed in the same transaction as its notices)."""
    return await audited(
        SYSTEM, "remindEmergencyPaperwork", "ApprovalRequest", authority.remind_paperwork
    )


async def expire_pending_operations(ctx: dict) -> int:
    """Expire high-risk operations nobody confirmed within dual_review_expiry_hours (P6.2.3)."""
    return await audited(
        SYSTEM, "expirePendingOperations", "PendingOperation", dual_review.expire_overdue
    )


# ---- members and loyalty (P3.1.2 points expiry, P3.1.10 tiers) ----


async def points_expiry(ctx: dict) -> dict[str, int]:
    """Warn members of points about to expire (once), then expire the lots past their date,
    oldest first, batch by batch (P3.1.2)."""
    return await expiry.sweep()


async def member_tiers(ctx: dict) -> dict[str, int]:
    """The nightly tier evaluation: upgrades on trailing 12-month spend and nights, then the
    yearly reviews due (P3.1.10). Idempotent: a rerun moves and tells nobody twice."""
    return await tiers.evaluate()


async def expire_crisis_groups(ctx: dict) -> int:
    """End crisis groups past their expiry, archive their record, tell members once (P4.1.4)."""
    return await crisis.expire_due()


async def improvement_survey(ctx: dict) -> dict[str, int]:
    """Open this month's survey, release pooled answers in shuffled batches, close finished
    months and open the workshops of their top problems (P8.1, P8.2)."""
    await improvement.survey.current_survey()
    released = await improvement.survey.release_responses()
    return {"released": released, "workshopsOpened": await improvement.workshops.open_due()}


async def improvement_followups(ctx: dict) -> int:
    """Take the after-figures of adopted improvements whose window has passed (P8.4)."""
    return await improvement.figures.follow_up_due()


async def policy_reviews(ctx: dict) -> dict[str, int]:
    """Keep the next six-monthly policy review scheduled and remind it once (P8.3)."""
    scheduled = await improvement.reviews.schedule_next()
    return {
        "scheduled": int(scheduled is not None),
        "reminded": await improvement.reviews.remind_due(),
    }


async def organisation_rotations(ctx: dict) -> dict[str, int]:
    """Plan the missing two-yearly rotations and remind HR and the supervisor of those coming
    due, each once (P2.6)."""
    return await audited(SYSTEM, "sweepRotations", "RotationPlan", org_rotation.sweep)
async def remind_compliance_training(ctx: dict) -> int:
    """Tell staff who handle personal data that their data-protection training is due or
    overdue, once per lapse (P6.1.4)."""
    return await compliance_training.remind_lapsed()
async def sweep_incidents(ctx: dict) -> dict[str, int]:
    """Escalate level-1 incidents past their restore deadline and text their scope (P6.2.1)."""
    from domain.risk import incidents

    return await incidents.sweep()


async def quarterly_internal_audit(ctx: dict) -> int:
    """Draw the sample of the quarter that ended last, once (P6.2.2)."""
    from domain.risk import audits

    return await audits.draw_due()
async def evaluation_cycles(ctx: dict) -> dict[str, int]:
    """Open the current month's, quarter's and half-year's evaluation cycles (assigning the
    360-degree raters) and close those past their window, making their results (P5.1.4)."""
    return {
        "opened": await performance.cycles.open_current(clock.today()),
        "closed": await performance.cycles.close_due(),
    }


async def kpi_snapshots(ctx: dict) -> int:
    """Store the KPI results of the last finished month, quarter and year once: the monthly
    sales bonus, the quarterly customer-service training, the year's best engineer (P5.1)."""
    return await performance.kpis.snapshot_finished_periods(clock.today())


async def onboarding_learning(ctx: dict) -> dict[str, int]:
    """Enrol new staff in their online learning and remind those behind schedule, each at most
    once per reminder interval (P7.1.4)."""
    enrolled = await knowledge.learning.enrol_new_staff()
    return {"enrolled": enrolled, "reminded": await knowledge.learning.remind_behind()}


async def purge_communication_records(ctx: dict) -> dict[str, int]:
    """Remove notices, phone calls, notifications and delivered messages older than
    communication_retention_days, in batches (P7.1.5)."""
    return await knowledge.retention.purge()

async def data_subject_deadlines(ctx: dict) -> dict[str, int]:
    """Remind privacy staff of data-subject requests coming due and escalate overdue ones,
    each once (P6.1.3)."""
    return await privacy_rights.remind_and_escalate()
async def escalate_violation_cases(ctx: dict) -> int:
    """Escalate violation cases whose handling did not start in time to the director and HR,
    once (P5.2.5)."""
    return await incentives.violations.escalate_overdue()


JOBS: list[Job] = [
    Job("prune_sessions", prune_sessions, 3600),
    Job("prune_idempotency_keys", prune_idempotency_keys, 600),
    Job("deliver_outbox", deliver_outbox, 30),
    Job("expire_approvals", expire_approvals, 300),
    Job("archive_work_records", archive_work_records, 3600),
    Job("purge_work_records", purge_work_records, 3600),
    Job("verify_archive_replicas", verify_archive_replicas, 3600),
    Job("generate_reports", generate_reports, 3600),
    Job("report_deadlines", report_deadlines, 600),
    Job("seal_audit_trail", seal_audit_trail, 60),
    Job("generate_meetings", generate_meetings, 3600),
    Job("meeting_deadlines", meeting_deadlines, 600),
    Job("arbitration_deadlines", arbitration_deadlines, 3600),
    # Guest accounts (issue 9 item 0).
    Job("prune_account_tokens", prune_account_tokens, 3600),
    # complaints (P3.1.9)
    Job("sweep_complaint_deadlines", sweep_complaint_deadlines, 300),
    # follow-ups and care (P3.1.7, P3.1.11)
    Job("escalate_follow_ups", escalate_follow_ups, 300),
    Job("send_care_campaigns", send_care_campaigns, 900),
    # Analysis area (P3.1.8).
    Job("analyse_members", analyse_members, 3600),
    # Authority and dual review (issue 10).
    Job("remind_emergency_paperwork", remind_emergency_paperwork, 600),
    Job("expire_pending_operations", expire_pending_operations, 300),
    Job("points_expiry", points_expiry, 3600),
    Job("member_tiers", member_tiers, 86400),
    Job("expire_crisis_groups", expire_crisis_groups, 300),
    Job("improvement_survey", improvement_survey, 3600),
    Job("improvement_followups", improvement_followups, 3600),
    Job("policy_reviews", policy_reviews, 3600),
    # Organisation (P2.6).
    Job("organisation_rotations", organisation_rotations, 3600),
    Job("remind_compliance_training", remind_compliance_training, 86400),
    # Risk response (P6.2.1, P6.2.2).
    Job("sweep_incidents", sweep_incidents, 300),
    Job("quarterly_internal_audit", quarterly_internal_audit, 3600),
    # Performance evaluation (P5.1).
    Job("evaluation_cycles", evaluation_cycles, 3600),
    Job("kpi_snapshots", kpi_snapshots, 3600),
    # Knowledge: onboarding learning (P7.1.4), communication retention (P7.1.5).
    Job("onboarding_learning", onboarding_learning, 3600),
    Job("purge_communication_records", purge_communication_records, 3600),
    # Privacy: data-subject requests (P6.1.3).
    Job("data_subject_deadlines", data_subject_deadlines, 900),
    # Rewards and penalties (P5.2.5).
    Job("escalate_violation_cases", escalate_violation_cases, 300),
]
