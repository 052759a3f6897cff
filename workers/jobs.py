"""The job functions (thin: each calls one domain service) and how often each runs.

Every job has the arq signature `async def job(ctx) -> result` and is safe to run twice at the
same time: it claims due rows with conditional updates before acting on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
    meetings,
    outbox,
)
from domain.actor import SYSTEM
from domain.bookings import idempotency
from domain.clock import clock
from domain.complaints import deadlines as complaint_deadlines
from domain.documents import replicas, work_records
from domain.members import expiry, tiers
from domain.models import RefreshToken
from domain.reports import service as reports
from domain.unit_of_work import audited


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[dict], Awaitable[object]]
    every_seconds: int


async def prune_sessions(ctx: dict) -> int:
    """Forget refresh tokens that expired more than a week ago (their sessions are over)."""
    cutoff = clock.now() - dt.timedelta(days=7)
    return await RefreshToken.filter(expires_at__lt=cutoff).delete()


async def prune_idempotency_keys(ctx: dict) -> int:
    """Forget idempotency keys past their retention (P3.1.1 retries are answered until then)."""
    return await idempotency.purge_expired()


_dispatcher: outbox.OutboxDispatcher | None = None


def use_dispatcher(dispatcher: outbox.OutboxDispatcher) -> None:
    global _dispatcher
    _dispatcher = dispatcher


async def deliver_outbox(ctx: dict) -> dict[str, int]:
    """Send due outbox events: PMS sync, vouchers by e-mail and SMS (P3.1.3). Retries with
    backoff; an event past its last attempt is marked dead for an admin to redeliver."""
    if _dispatcher is None:
        raise RuntimeError("the outbox dispatcher is not configured")
    report = await _dispatcher.run_once(limit=100)
    return {"delivered": report.delivered, "retried": report.retried, "dead": report.dead}


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
    # Rewards and penalties (P5.2.5).
    Job("escalate_violation_cases", escalate_violation_cases, 300),
]
