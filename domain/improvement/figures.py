"""Following an adopted improvement (P8.4): the figures of a window before adoption are kept as
the baseline when the proposal is adopted, and the same figures of an equal window after it
once that window has passed (`improvement_followup_days`), swept by a job.

The figures, each an aggregate over the window:
- satisfaction: first-stay satisfaction surveys answered (count and score total, so the average is
  exact), complaints filed, and bookings made and how many of them were cancelled;
- efficiency: how many of the window's complaints got their first response and the seconds it
  took in total (the average response time).
"""

from __future__ import annotations

import datetime as dt

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from domain.clock import clock
from domain.models import Booking, Complaint, ImprovementFigures, Proposal, SatisfactionSurvey
from domain.policy_params import params

BASELINE = "BASELINE"
FOLLOW_UP = "FOLLOW_UP"


async def _take(proposal_id: int, phase: str, start: dt.datetime, end: dt.datetime):
    made = Booking.filter(created_at__gte=start, created_at__lt=end)
    answered = (
        await SatisfactionSurvey.filter(answered_at__gte=start, answered_at__lt=end)
        .annotate(n=Count("id"), total=Sum("score"))
        .first()
        .values("n", "total")
    )
    filed = Complaint.filter(filed_at__gte=start, filed_at__lt=end)
    responded = (
        await filed.filter(first_response_seconds__isnull=False)
        .annotate(n=Count("id"), total=Sum("first_response_seconds"))
        .first()
        .values("n", "total")
    )
    return await ImprovementFigures.create(
        proposal_id=proposal_id,
        phase=phase,
        window_start=start,
        window_end=end,
        bookings=await made.count(),
        cancellations=await made.filter(status="CANCELLED").count(),
        surveys_answered=(answered or {}).get("n") or 0,
        survey_score_total=(answered or {}).get("total") or 0,
        complaints=await filed.count(),
        complaints_responded=(responded or {}).get("n") or 0,
        response_seconds_total=(responded or {}).get("total") or 0,
    )


async def on_adoption(proposal: Proposal) -> None:
    """Keep the baseline and set when the follow-up is due (inside the review's transaction)."""
    days = dt.timedelta(days=await params.improvement_followup_days)
    now = clock.now()
    await _take(proposal.id, BASELINE, now - days, now)
    await Proposal.filter(id=proposal.id).update(followup_due_at=now + days)


async def follow_up_due() -> int:
    """Take the follow-up figures of every adopted proposal whose window has passed. Each is
    claimed by clearing its due time in the transaction that writes its figures, so a rerun or
    a second worker takes none twice, and one killed between proposals misses none."""
    now = clock.now()
    taken = 0
    for proposal in await Proposal.filter(followup_due_at__lte=now).order_by("id"):
        try:
            async with in_transaction():
                claimed = await Proposal.filter(
                    id=proposal.id, followup_due_at=proposal.followup_due_at
                ).update(followup_due_at=None)
                if not claimed:
                    continue
                baseline = await ImprovementFigures.get(proposal_id=proposal.id, phase=BASELINE)
                length = baseline.window_end - baseline.window_start
                start = baseline.window_end
                await _take(proposal.id, FOLLOW_UP, start, start + length)
                taken += 1
        except IntegrityError:  # taken by a concurrent run
            continue
    return taken


async def figures_of(proposal_ids: list[int]) -> dict[int, list[ImprovementFigures]]:
    found: dict[int, list[ImprovementFigures]] = {}
    rows = await ImprovementFigures.filter(proposal_id__in=proposal_ids).order_by("id")
    for row in rows:
        found.setdefault(row.proposal_id, []).append(row)
    return found
