"""Booking terms in plain language (P6.1.1: terms displayed prominently, without jargon) and the
refund rules they state (P3.1.5).

The text is rendered from the current policy parameters, and its version is a short hash of the
text, so changing any rule (a parameter, or the wording) changes the version. A booking records
the version the customer accepted; `create_booking` refuses a stale one (STALE_TERMS).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from domain.policy_params import params


@dataclass(frozen=True)
class RefundRule:
    code: str  # FREE_CANCELLATION | LATE_CANCELLATION | NO_SHOW | UNCONFIRMED_CANCELLATION
    title: str
    description: str


@dataclass(frozen=True)
class BookingTerms:
    version: str
    summary: str
    full_text: str
    cancellation_grace_hours: int
    late_cancellation_charge_nights: int
    no_show_refund_percent: Decimal
    checkin_local_time: str
    checkout_local_time: str
    refund_rules: list[RefundRule]


def _nights(n: int) -> str:
    return "1 night" if n == 1 else f"{n} nights"


def _percent(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text}%"


async def booking_terms() -> BookingTerms:
    grace = await params.cancellation_grace_hours
    charge = await params.late_cancellation_charge_nights
    no_show = Decimal(await params.no_show_refund_percent)
    checkin = await params.checkin_local_time
    checkout = await params.checkout_local_time
    max_nights = await params.max_stay_nights
    urgent_hours = await params.urgent_change_window_hours
    points_per_cny = await params.points_per_cny

    rules = [
        RefundRule(
            "FREE_CANCELLATION",
            "Free cancellation",
            f"Cancel up to {grace} hours before {checkin} (hotel time) on your arrival day and "
            "you get everything back: all money paid and all points used.",
        ),
        RefundRule(
            "LATE_CANCELLATION",
            "Late cancellation",
            f"Cancel later than that and we keep the price of the first {_nights(charge)} of "
            "your stay (never more than the stay itself). Everything else comes back to you. "
            "We take the charge from money paid first, then from points.",
        ),
        RefundRule(
            "NO_SHOW",
            "No-show",
            f"If you do not arrive and did not cancel, you get back {_percent(no_show)} of "
            "what you paid, in money and in points.",
        ),
        RefundRule(
            "UNCONFIRMED_CANCELLATION",
            "Before confirmation",
            "A booking we have not confirmed yet can be cancelled free of charge at any time.",
        ),
    ]
    summary = (
        f"Free cancellation until {grace} hours before check-in ({checkin} hotel time on your "
        f"arrival day). After that, {_nights(charge)} of your stay is charged. If you do not "
        f"arrive, you get back {_percent(no_show)} of what you paid."
    )
    sections = [
        (
            "Your booking",
            f"You get a booking number straight away. One booking covers up to "
            f"{_nights(max_nights)}. Check-in is from {checkin} and check-out is by {checkout}, "
            "hotel time. When we confirm the booking we send you an electronic voucher by e-mail "
            "or text message. Some bookings (for example very large ones) are checked by our staff "
            "before we confirm them.",
        ),
        (
            "Price and points",
            f"The price is the sum of the nightly prices shown when you book. Members can pay "
            f"part or all of it with points: {points_per_cny} points count as 1 yuan.",
        ),
        (
            "Changes",
            "We change a booking only with your written consent: a confirmation from you, or a "
            f"signed document. A change less than {urgent_hours} hours before check-in also needs "
            "the approval of three of our managers, so it can take a little longer. A change is "
            "priced again at the nightly prices of the new dates and room.",
        ),
        ("Cancelling and refunds", "\n".join(f"- {r.title}: {r.description}" for r in rules)),
        (
            "Refund payment",
            "Refunds go back the way you paid; points go straight back to your member account.",
        ),
    ]
    full_text = "\n\n".join(f"{title}\n{body}" for title, body in sections)
    version = "T" + hashlib.sha256(f"{summary}\n{full_text}".encode()).hexdigest()[:10].upper()
    return BookingTerms(
        version=version,
        summary=summary,
        full_text=full_text,
        cancellation_grace_hours=grace,
        late_cancellation_charge_nights=charge,
        no_show_refund_percent=no_show,
        checkin_local_time=checkin,
        checkout_local_time=checkout,
        refund_rules=rules,
    )


async def current_terms_version() -> str:
    return (await booking_terms()).version
