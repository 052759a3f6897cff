"""Member tiers on two dimensions (P3.1.10): a member is upgraded when BOTH the money spent and
the nights stayed over the trailing 12 months reach a tier's thresholds (policy parameters per
tier). Spend is the money paid for checked-out stays (points-paid parts excluded), nights their
nights, counted by the check-out time.

The nightly evaluation is set-based: one aggregate query over checked-out bookings grouped by
member gives every member's figures; only members whose figures qualify for a higher tier are
touched. Each move is claimed by a conditional UPDATE on the member's current tier, recorded in
`tier_change` with the figures and told to the member (outbox) in the same transaction, so a
rerun changes and sends nothing twice.

The yearly review (the policy is silent on downgrades; this is our documented rule): a year
after a member's last tier change (`tier_review_on`), a member who no longer meets BOTH
thresholds of their current tier over the last 12 months drops ONE tier (never below
STANDARD); one who meets them keeps the tier for another year. Either way the next review is a
year later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tortoise.functions import Sum

from domain.actor import SYSTEM
from domain.clock import clock
from domain.i18n import t
from domain.members.ledger import add_months
from domain.members.messages import recipient_language, tell_member
from domain.members.registration import TIERS
from domain.models import Booking, Member, TierChange
from domain.policy_params import params
from domain.unit_of_work import audited

BATCH = 200
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Threshold:
    tier: str
    spend: Decimal
    nights: int


@dataclass(frozen=True)
class Figures:
    spend: Decimal
    nights: int


async def thresholds() -> list[Threshold]:
    """The thresholds of the tiers above STANDARD, lowest first (money to the cent)."""
    return [
        Threshold(
            tier,
            Decimal(await getattr(params, f"tier_{tier.lower()}_spend")).quantize(ZERO),
            await getattr(params, f"tier_{tier.lower()}_nights"),
        )
        for tier in TIERS[1:]
    ]


def rank(tier: str) -> int:
    return TIERS.index(tier) if tier in TIERS else 0


def meets(figures: Figures, threshold: Threshold) -> bool:
    return figures.spend >= threshold.spend and figures.nights >= threshold.nights


def qualifying_tier(figures: Figures, table: list[Threshold]) -> str:
    """The highest tier whose spend AND nights thresholds the figures reach."""
    reached = "STANDARD"
    for threshold in table:
        if meets(figures, threshold):
            reached = threshold.tier
    return reached


def period(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The trailing 12 months ending now."""
    end = now or clock.now()
    return add_months(end, -12), end


def _figures_query(start: dt.datetime, end: dt.datetime):
    return (
        Booking.filter(
            status="CHECKED_OUT",
            member_id__isnull=False,
            checked_out_at__gt=start,
            checked_out_at__lte=end,
        )
        .annotate(spend=Sum("total_amount"), stayed=Sum("nights"))
        .group_by("member_id")
    )


def _figures(row: dict) -> Figures:
    return Figures(Decimal(str(row["spend"] or 0)).quantize(ZERO), int(row["stayed"] or 0))


async def figures_of(member_ids: list[int] | None = None) -> dict[int, Figures]:
    """Spend and nights over the trailing 12 months, per member: one aggregate query."""
    start, end = period()
    query = _figures_query(start, end)
    if member_ids is not None:
        query = query.filter(member_id__in=member_ids)
    rows = await query.values("member_id", "spend", "stayed")
    return {row["member_id"]: _figures(row) for row in rows}


async def _move(
    member_id: int, old: str, new: str, reason: str, figures: Figures, *, review_on: dt.date
) -> bool:
    """Claim the move (conditional on the tier read), record it and tell the member."""
    today = clock.today()
    moved = await Member.filter(id=member_id, tier=old, is_active=True).update(
        tier=new, tier_review_on=review_on
    )
    if moved != 1:
        return False
    start, _ = period()
    await TierChange.create(
        member_id=member_id,
        from_tier=old,
        to_tier=new,
        reason=reason,
        spend=figures.spend,
        nights=figures.nights,
        period_start=clock.local(start).date(),
        period_end=today,
    )
    member = await Member.get(id=member_id)
    account, lang = await recipient_language(member)
    values = {"tier": new, "old": old, "spend": figures.spend, "nights": figures.nights}
    if rank(new) > rank(old):
        subject = t(lang, "Welcome to {tier}", **values)
        body = t(
            lang,
            "You are now a {tier} member: over the last 12 months you spent {spend} CNY and "
            "stayed {nights} nights with us.",
            **values,
        )
    else:
        subject = t(lang, "Your membership is now {tier}", **values)
        body = t(
            lang,
            "At your yearly review your membership moved from {old} to {tier}: over the last "
            "12 months you spent {spend} CNY and stayed {nights} nights with us.",
            **values,
        )
    await tell_member(member, account, "member.tier_changed", subject, body)
    return True


async def upgrade_batch(candidates: list[tuple[int, str, str, Figures]]) -> int:
    review_on = add_months(clock.now(), 12).date()
    done = 0
    for member_id, old, new, figures in candidates:
        done += await _move(member_id, old, new, "UPGRADE", figures, review_on=review_on)
    return done


async def upgrade_candidates() -> list[tuple[int, str, str, Figures]]:
    """Members whose trailing figures qualify for a tier above their own: one aggregate query
    over the checked-out bookings joined to the member's tier."""
    table = await thresholds()
    start, end = period()
    lowest = table[0]
    rows = (
        await _figures_query(start, end)
        .filter(member__is_active=True)
        .group_by("member_id", "member__tier")
        .values("member_id", "member__tier", "spend", "stayed")
    )
    found = []
    for row in rows:
        figures = _figures(row)
        if not meets(figures, lowest):
            continue
        new = qualifying_tier(figures, table)
        if rank(new) > rank(row["member__tier"]):
            found.append((row["member_id"], row["member__tier"], new, figures))
    found.sort()
    return found


async def review_batch(limit: int = BATCH) -> tuple[int, int]:
    """The yearly review of up to `limit` members due: (members reviewed, members moved)."""
    today = clock.today()
    due = (
        await Member.filter(is_active=True, tier_review_on__lte=today)
        .exclude(tier="STANDARD")
        .order_by("id")
        .limit(limit)
        .values_list("id", "tier", "tier_review_on")
    )
    if not due:
        return 0, 0
    table = {threshold.tier: threshold for threshold in await thresholds()}
    figures = await figures_of([member_id for member_id, _, _ in due])
    next_review = add_months(clock.now(), 12).date()
    moved = 0
    for member_id, tier, review_on in due:
        have = figures.get(member_id, Figures(ZERO, 0))
        current = table.get(tier)
        if current is not None and not meets(have, current):
            lower = TIERS[rank(tier) - 1]
            moved += await _move(
                member_id, tier, lower, "YEARLY_REVIEW", have, review_on=next_review
            )
        else:  # kept: reviewed again a year later (conditional: a rerun does nothing)
            await Member.filter(id=member_id, tier=tier, tier_review_on=review_on).update(
                tier_review_on=next_review
            )
    return len(due), moved


async def evaluate(*, batch: int = BATCH, between=None) -> dict[str, int]:
    """The nightly job: upgrades, then the yearly reviews due, in batches of `batch` members,
    each batch one unit of work; `between` runs after every committed batch."""
    report = {"upgraded": 0, "reviewed": 0, "downgraded": 0}
    candidates = await upgrade_candidates()
    for start in range(0, len(candidates), batch):
        chunk = candidates[start : start + batch]
        report["upgraded"] += await audited(
            SYSTEM, "upgradeMembers", "Member", lambda chunk=chunk: upgrade_batch(chunk)
        )
        if between is not None:
            await between()
    while True:
        seen, moved = await audited(
            SYSTEM, "reviewMemberTiers", "Member", lambda: review_batch(batch)
        )
        if not seen:
            break
        report["reviewed"] += seen
        report["downgraded"] += moved
        if between is not None:
            await between()
    return report


@dataclass(frozen=True)
class TierProgress:
    member: Member
    figures: Figures
    period_start: dt.date
    period_end: dt.date
    next_tier: str | None
    spend_needed: Decimal
    nights_needed: int
    next_spend: Decimal | None
    next_nights: int | None
    review_on: dt.date | None


async def progress(member: Member) -> TierProgress:
    """What the member has over the trailing 12 months and what is missing for the next tier
    (both dimensions: the spend still needed and the nights still needed)."""
    start, end = period()
    have = (await figures_of([member.id])).get(member.id, Figures(ZERO, 0))
    above = [th for th in await thresholds() if rank(th.tier) > rank(member.tier)]
    target = above[0] if above else None
    return TierProgress(
        member=member,
        figures=have,
        period_start=clock.local(start).date(),
        period_end=clock.local(end).date(),
        next_tier=target and target.tier,
        spend_needed=max(ZERO, target.spend - have.spend) if target else ZERO,
        nights_needed=max(0, target.nights - have.nights) if target else 0,
        next_spend=target and target.spend,
        next_nights=target and target.nights,
        review_on=member.tier_review_on,
    )
