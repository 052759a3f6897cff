"""The six-monthly policy review and training on major changes (P8.3).

A job keeps the next review scheduled: six months after the last one was due (the first one
six months from when the job first runs), and reminds the director, the supervisors and the
committee `policy_review_reminder_days` before it is due, exactly once (the reminder is
claimed with a conditional update). The director or the committee completes a review with a
summary and the changes it decided; a major change needs training of all staff, recorded
one person at a time by HR, a supervisor or the director, and `trainingStatus` lists who
has not been trained yet (one set-based query).
"""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from domain import notifications
from domain.actor import SYSTEM, Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import Account, PolicyChange, PolicyReview, TrainingRecord
from domain.policy_params import params
from domain.unit_of_work import audited

REVIEW_MONTHS = 6  # the policy's own number (P8.3), not a parameter
REVIEWERS = ("director", "supervisor", "committee")
MAX_TEXT = 10_000


def _months_later(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


async def schedule_next() -> PolicyReview | None:
    """Make sure a review is scheduled after the latest one; returns it when new."""
    latest = await PolicyReview.all().order_by("-due_on").first()
    today = clock.today()
    if latest is not None and latest.status == "DUE":
        return None
    base = latest.due_on if latest is not None else today
    due = _months_later(base, REVIEW_MONTHS)
    while due <= today:  # reviews missed while nothing ran are not scheduled in the past
        due = _months_later(due, REVIEW_MONTHS)
    try:
        return await audited(
            SYSTEM,
            "schedulePolicyReview",
            "PolicyReview",
            lambda: PolicyReview.create(due_on=due),
        )
    except IntegrityError:  # a concurrent run scheduled it
        return None


async def remind_due() -> int:
    """Remind the reviewers of every review coming within the reminder window, once."""
    ahead = dt.timedelta(days=await params.policy_review_reminder_days)
    horizon = clock.today() + ahead
    reminded = 0
    for review in await PolicyReview.filter(
        status="DUE", reminded_at__isnull=True, due_on__lte=horizon
    ).order_by("id"):
        # The claim and the notices commit together (one audited unit of work): a run killed
        # between them sends nothing and leaves the reminder to the next run.
        async def work(review: PolicyReview = review) -> int:
            claimed = await PolicyReview.filter(id=review.id, reminded_at__isnull=True).update(
                reminded_at=clock.now()
            )
            if not claimed:
                return 0
            await notifications.notify_many(
                await notifications.staff_with_roles(*REVIEWERS),
                "POLICY_REVIEW_DUE",
                f"The six-monthly policy review is due on {review.due_on.isoformat()}",
                subject_type="PolicyReview",
                subject_id=review.id,
            )
            return 1

        reminded += await audited(
            SYSTEM, "remindPolicyReview", "PolicyReview", work, subject_id=review.id
        )
    return reminded


def _text(value: str | None, field: str, limit: int, missing: str) -> str:
    clean = (value or "").strip()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, missing, field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    return clean


async def complete(
    actor: Actor, review_id: int, summary: str, changes: list[tuple[str, bool]]
) -> PolicyReview:
    text = _text(summary, "summary", MAX_TEXT, N_("Summarise the review."))
    titles = [(_text(t, "changes", 200, N_("Name each change.")), major) for t, major in changes]
    done = await PolicyReview.filter(id=review_id, status="DUE").update(
        status="DONE",
        summary=text,
        completed_at=clock.now(),
        completed_by_account_id=actor.account_id,
    )
    if not done:
        if await PolicyReview.exists(id=review_id):
            raise DomainError(ErrorCode.ALREADY_DECIDED, "The review is done already.", "reviewId")
        raise DomainError(ErrorCode.NOT_FOUND, "No such review.", "reviewId")
    if titles:
        await PolicyChange.bulk_create(
            [PolicyChange(review_id=review_id, title=t, major=major) for t, major in titles]
        )
    major = await PolicyChange.filter(review_id=review_id, major=True).values_list("id", "title")
    staff = await Account.filter(kind="STAFF", is_active=True).values_list("id", flat=True)
    for change_id, title in major:
        await notifications.notify_many(
            list(staff),
            "POLICY_TRAINING_REQUIRED",
            f"Training required for a policy change: {title}"[:200],
            subject_type="PolicyChange",
            subject_id=change_id,
        )
    return await PolicyReview.get(id=review_id)


async def record_training(actor: Actor, change_id: int, staff_email: str) -> TrainingRecord:
    change = await PolicyChange.get_or_none(id=change_id)
    if change is None or not change.major:
        raise DomainError(ErrorCode.NOT_FOUND, "No major policy change with that id.", "changeId")
    person = await Account.get_or_none(
        email=(staff_email or "").strip().lower(), kind="STAFF", is_active=True
    )
    if person is None:
        raise DomainError(
            ErrorCode.NOT_FOUND, "No active staff member has that address.", "staffEmail"
        )
    if await TrainingRecord.exists(change_id=change.id, account_id=person.id):
        raise DomainError(ErrorCode.DUPLICATE, "That training is recorded already.", "staffEmail")
    try:
        return await TrainingRecord.create(
            change_id=change.id, account_id=person.id, recorded_by_account_id=actor.account_id
        )
    except IntegrityError:
        raise DomainError(
            ErrorCode.DUPLICATE, "That training is recorded already.", "staffEmail"
        ) from None


def untrained_query(change_id: int):
    """Active staff without a training record for the change (one set-based query)."""
    trained = TrainingRecord.filter(change_id=change_id).values("account_id")
    return Account.filter(kind="STAFF", is_active=True).exclude(id__in=Subquery(trained))


async def trained_count(change_id: int) -> int:
    return await TrainingRecord.filter(change_id=change_id).count()
