"""The guest's satisfaction survey of a first stay (P3.1.7): created at check-out with the
follow-up call, sent to the guest through the outbox as a single-use code (only its SHA-256 is
stored), visible to the signed-in guest it belongs to, and answered exactly once: a score from
1 to 5 and comments, by the signed-in guest or with the code without signing in. The answer is
a conditional UPDATE on `answered_at IS NULL`, so two answers at once still count once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from authz.identity import Identity, Kind
from domain import i18n, outbox
from domain.actor import Actor
from domain.clock import clock, require_supported_day
from domain.errors import DomainError, ErrorCode
from domain.followups.tasks import GuestIdentity
from domain.models import Booking, GuestProfile, SatisfactionSurvey
from domain.policy_params import params

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENTS = 4000


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_for_first_stay(booking: Booking, guest: GuestIdentity) -> SatisfactionSurvey:
    """The survey of a first stay and its message to the guest (inside the check-out's unit
    of work: the message is sent exactly when the check-out commits)."""
    token = secrets.token_urlsafe(24)
    days = await params.satisfaction_survey_valid_days
    survey = await SatisfactionSurvey.create(
        booking_id=booking.id,
        member_id=guest.member_id,
        guest_account_id=guest.guest_account_id,
        token_hash=_hash(token),
        expires_at=clock.now() + dt.timedelta(days=days),
    )
    profile = await GuestProfile.get(id=booking.guest_id)
    lang = booking.language
    subject = i18n.t(lang, "How was your stay? Booking {number}", number=booking.number)
    body = i18n.t(
        lang,
        "Thank you for staying with us. Please rate your stay from 1 to 5 in the app or on "
        "our website with your survey code {code} (valid for {days} days, once).",
        code=token,
        days=days,
    )
    await outbox.send_to_guest(
        profile, subject=subject, body=body, topic="survey.invitation", ref=f"survey:{survey.id}"
    )
    return survey


def own_surveys(identity: Identity) -> QuerySet[SatisfactionSurvey]:
    """A guest's own surveys: of their account, or of their membership."""
    if identity.kind != Kind.GUEST or identity.id is None:
        return SatisfactionSurvey.filter(id=-1)
    mine = Q(guest_account_id=identity.id)
    if identity.member_id is not None:
        mine |= Q(member_id=identity.member_id)
    return SatisfactionSurvey.filter(mine)


def belongs_to(identity: Identity, survey: SatisfactionSurvey) -> bool:
    """Whether the survey is the signed-in guest's own."""
    if identity.kind != Kind.GUEST or identity.id is None:
        return False
    return survey.guest_account_id == identity.id or (
        identity.member_id is not None and survey.member_id == identity.member_id
    )


def visible(identity: Identity, *, own_only: bool, answered: bool | None = None):
    query = own_surveys(identity) if own_only else SatisfactionSurvey.all()
    if answered is not None:
        query = query.filter(answered_at__isnull=not answered)
    return query


async def _find(
    actor: Actor, survey_id: int | None, token: str | None
) -> tuple[SatisfactionSurvey, str]:
    if token:
        row = await SatisfactionSurvey.get_or_none(token_hash=_hash(token.strip()))
        if row is None:
            raise DomainError(
                ErrorCode.LINK_INVALID, "The survey code is not valid.", "surveyToken"
            )
        if row.answered_at is None and row.expires_at <= clock.now():
            raise DomainError(ErrorCode.LINK_EXPIRED, "The survey code has expired.", "surveyToken")
        return row, "LINK"
    if survey_id is None:
        raise DomainError(ErrorCode.REQUIRED, "Give the survey code or the survey.", "surveyToken")
    if actor.identity.kind != Kind.GUEST:
        raise DomainError(
            ErrorCode.REQUIRED,
            "Without signing in as the guest, give the survey code.",
            "surveyToken",
        )
    row = await own_surveys(actor.identity).filter(id=survey_id).first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such survey.", "surveyId")
    return row, "ACCOUNT"


async def submit(
    actor: Actor,
    *,
    survey_id: int | None,
    token: str | None,
    score: int,
    comments: str | None,
) -> SatisfactionSurvey:
    """Answer a survey once: a second answer is ALREADY_ANSWERED and changes nothing."""
    row, via = await _find(actor, survey_id, token)
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"The score is from {MIN_SCORE} to {MAX_SCORE}.", "score"
        )
    text = (comments or "").strip()
    if len(text) > MAX_COMMENTS:
        raise DomainError(
            ErrorCode.TOO_LONG, f"Comments have at most {MAX_COMMENTS} characters.", "comments"
        )
    answered = await SatisfactionSurvey.filter(id=row.id, answered_at__isnull=True).update(
        score=score, comments=text, answered_at=clock.now(), answered_via=via
    )
    if answered != 1:
        raise DomainError(
            ErrorCode.ALREADY_ANSWERED, "This survey has already been answered.", "surveyId"
        )
    return await SatisfactionSurvey.get(id=row.id)


async def summary(since: dt.date | None, until: dt.date | None) -> dict:
    """Aggregates only (for analysts): surveys sent and answered, the average score and the
    count per score, over surveys created in the hotel-local date range."""
    query = SatisfactionSurvey.all()
    tz = clock.hotel_timezone
    if since is not None:
        require_supported_day(since, "since")
    if until is not None:
        require_supported_day(until, "until")
    if since is not None:
        query = query.filter(created_at__gte=dt.datetime.combine(since, dt.time(), tzinfo=tz))
    if until is not None:
        query = query.filter(
            created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        )
    sent = await query.count()
    by_score = (
        await query.filter(answered_at__isnull=False)
        .annotate(n=Count("id"))
        .group_by("score")
        .values("score", "n")
    )
    counts = {row["score"]: row["n"] for row in by_score}
    answered = sum(counts.values())
    average = (
        (Decimal(sum(score * n for score, n in counts.items())) / answered).quantize(
            Decimal("0.01")
        )
        if answered
        else None
    )
    return {
        "sent": sent,
        "answered": answered,
        "average": average,
        "by_score": [counts.get(score, 0) for score in range(MIN_SCORE, MAX_SCORE + 1)],
    }
