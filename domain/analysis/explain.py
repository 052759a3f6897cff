"""Titles and reasons of recommendations in the reader's language (P3.1.8 explainable
recommendations, P0.2 customer first).

A recommendation row keeps only its kind, topic and numbers; the text is rendered when it is
read, from an English template with placeholders (the message id, translated in
`domain/i18n/zh_CN.json`) and the behaviour of the same month. Month names and money follow
the language through Babel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from babel.dates import get_month_names

from domain.i18n import N_, format_money, language, t
from domain.models import MemberBehaviour, Recommendation, RoomType

_BABEL = {"en": "en", "zh-CN": "zh_CN"}


class RecommendationKind(StrEnum):
    ROOM_TYPE = "ROOM_TYPE"  # the room type to offer
    TIMING = "TIMING"  # when to reach the member
    OFFER = "OFFER"  # an offer: an upgrade, booking direct, a welcome back


TITLES = {
    "PREFERRED": N_("Offer {room_type_name} for the next stay"),
    "SEASON": N_("Send a {month} offer {weeks} weeks ahead"),
    "UPGRADE": N_("Offer an upgrade to {room_type_name}"),
    "DIRECT": N_("Invite to book direct"),
    "WELCOME_BACK": N_("Welcome back offer"),
}
# The room type alone, when no calendar month holds two stays (no booking habit to tell).
PREFERRED_ONLY = N_("Stayed in {room_type} {count} of {stays} times.")
REASONS = {
    "PREFERRED": N_(
        "Stayed in {room_type} {count} of {stays} times, books {weeks} weeks ahead in {month}."
    ),
    "SEASON": N_("{count} of {stays} stays began in {month}, booked {days} days ahead on average."),
    "UPGRADE": N_("{stays} stays at {rate} a night on average, mostly in {preferred}."),
    "DIRECT": N_("Booked {count} of {stays} stays through partners."),
    "WELCOME_BACK": N_("Last stay began on {last_stay}, after {stays} stays."),
}


@dataclass(frozen=True)
class Explained:
    kind: RecommendationKind
    topic: str
    rank: int
    title: str
    reason: str
    score: Decimal
    month: dt.date


def month_name(number: int, lang: str) -> str:
    return get_month_names("wide", locale=_BABEL.get(lang, "en"))[number]


def _weeks(days: Decimal) -> int:
    return int((days / 7).quantize(Decimal(1)))


def _reason_template(row: Recommendation, behaviour: MemberBehaviour) -> str:
    if row.topic == "PREFERRED" and behaviour.peak_month_stays < 2:
        return PREFERRED_ONLY
    return REASONS[row.topic]


def explain(
    row: Recommendation,
    behaviour: MemberBehaviour,
    room_types: dict[int, RoomType],
    lang: str | None = None,
) -> Explained:
    """The recommendation's title and reason in `lang` (default: the request's language)."""
    lang = lang or language()
    chosen = room_types.get(row.room_type_id or behaviour.preferred_room_type_id)
    preferred = room_types.get(behaviour.preferred_room_type_id)
    values = {
        "count": row.evidence,
        "stays": row.total,
        "room_type": chosen.code if chosen else "",
        "room_type_name": chosen.name if chosen else "",
        "preferred": preferred.code if preferred else "",
        "month": month_name(behaviour.peak_month, lang),
        "weeks": _weeks(behaviour.peak_month_lead_days),
        "days": behaviour.peak_month_lead_days,
        "rate": format_money(behaviour.average_rate, chosen.currency if chosen else "CNY", lang),
        "last_stay": behaviour.last_stay.isoformat(),
    }
    return Explained(
        kind=RecommendationKind(row.kind),
        topic=row.topic,
        rank=row.rank,
        title=t(lang, TITLES[row.topic], **values),
        reason=t(lang, _reason_template(row, behaviour), **values),
        score=row.score,
        month=row.month,
    )
