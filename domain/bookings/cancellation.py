"""Cancellation and its refund (P3.1.5: an X-hour grace period, past it refunds follow the
rules; P6.1.1: the rules are the ones shown in the booking terms).

Free cancellation lasts until `cancellation_grace_hours` before the local check-in time
(`checkin_local_time` in the hotel's time zone) on the arrival day. After that the first
`late_cancellation_charge_nights` nights are charged, from money paid first, then from points.
A no-show gets back `no_show_refund_percent` of what was paid, in money and in points. A booking
not confirmed yet cancels free. Money is computed to the cent with ROUND_HALF_UP and recorded
as a `Refund` row (status PENDING) for Finance to pay; a refund above
`dual_review_refund_limit` is IN_REVIEW until a second person releases it (P6.2.3,
`domain.dual_review`). Cancelling gives back the nights and the points not charged; cancelling
twice is INVALID_TRANSITION.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from domain import dual_review, i18n, members
from domain.actor import Actor
from domain.bookings import idempotency, nights, sync
from domain.bookings.queries import load_booking
from domain.bookings.states import (
    TRANSITIONS,
    BookingStatus,
    check_transition,
    save_transition,
)
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_, t
from domain.models import Booking, BookingNight, PendingOperation, Refund
from domain.policy_params import params

CENT = Decimal("0.01")
REFUND_IN_REVIEW = "IN_REVIEW"
ZERO = Decimal("0.00")


class Rule:
    FREE_CANCELLATION = "FREE_CANCELLATION"
    LATE_CANCELLATION = "LATE_CANCELLATION"
    UNCONFIRMED_CANCELLATION = "UNCONFIRMED_CANCELLATION"
    NO_SHOW = "NO_SHOW"


@dataclass(frozen=True)
class CancellationQuote:
    booking_id: int
    rule: str
    free_until: dt.datetime  # aware UTC: the last moment of free cancellation
    paid_amount: Decimal  # money paid for the stay
    charge_amount: Decimal  # money kept by the hotel
    refundable_amount: Decimal  # money given back
    points_redeemed: int
    points_returned: int
    currency: str
    explanation: str


@dataclass(frozen=True)
class CancellationResult:
    booking: Booking
    refund: Refund
    # The dual review the refund waits for (above dual_review_refund_limit), else None.
    review: PendingOperation | None = None

    @property
    def pk(self) -> int:  # the audit entry's subject
        return self.booking.id


async def check_in_moment(check_in: dt.date) -> dt.datetime:
    """The local check-in time on the arrival day, as an aware UTC datetime."""
    at = dt.time.fromisoformat(await params.checkin_local_time)
    local = dt.datetime.combine(check_in, at, tzinfo=clock.hotel_timezone)
    return local.astimezone(dt.UTC)


async def free_cancellation_deadline(booking: Booking) -> dt.datetime:
    grace = await params.cancellation_grace_hours
    return await check_in_moment(booking.check_in) - dt.timedelta(hours=grace)


def _points_for(money: Decimal, booking: Booking) -> int:
    """Points worth `money` at the rate the booking redeemed them (rounded up)."""
    if money <= 0 or not booking.points_redeemed or booking.points_value <= 0:
        return 0
    points = (money * booking.points_redeemed / booking.points_value).to_integral_value(
        rounding=ROUND_CEILING
    )
    return min(booking.points_redeemed, int(points))


async def cancellation_quote(booking: Booking) -> CancellationQuote:
    """What cancelling now would give back, under which rule, and until when it is free."""
    check_transition(booking, BookingStatus.CANCELLED)
    [quote] = await _quotes([booking])
    return quote


async def cancellation_quotes(bookings: Sequence[Booking]) -> dict[int, CancellationQuote]:
    """The quotes of many bookings (a page of them) by booking id, with one query for the
    nights of all the late ones; a booking that can no longer be cancelled has none."""
    open_bookings = [
        b for b in bookings if BookingStatus.CANCELLED in TRANSITIONS[BookingStatus(b.status)]
    ]
    return {quote.booking_id: quote for quote in await _quotes(open_bookings)}


async def _quotes(bookings: Sequence[Booking]) -> list[CancellationQuote]:
    deadlines = [await free_cancellation_deadline(booking) for booking in bookings]
    late = [
        booking.id
        for booking, deadline in zip(bookings, deadlines, strict=True)
        if booking.status != BookingStatus.PENDING_REVIEW and clock.now() > deadline
    ]
    held: dict[int, list[BookingNight]] = {}
    if late:
        for night in await BookingNight.filter(booking_id__in=late).order_by("date"):
            held.setdefault(night.booking_id, []).append(night)
    charge_nights = await params.late_cancellation_charge_nights
    return [
        _quote(booking, deadline, held.get(booking.id, []), charge_nights)
        for booking, deadline in zip(bookings, deadlines, strict=True)
    ]


def _quote(
    booking: Booking, deadline: dt.datetime, held: list[BookingNight], charge_nights: int
) -> CancellationQuote:
    paid = Decimal(booking.total_amount).quantize(CENT)
    local_deadline = clock.local(deadline).strftime("%Y-%m-%d %H:%M")
    if booking.status == BookingStatus.PENDING_REVIEW:
        rule, charge, points_kept = Rule.UNCONFIRMED_CANCELLATION, ZERO, 0
        why = N_("The booking was not confirmed yet, so cancelling is free.")
    elif clock.now() <= deadline:
        rule, charge, points_kept = Rule.FREE_CANCELLATION, ZERO, 0
        why = N_(f"Cancelled before {local_deadline} (hotel time): everything is refunded.")
    else:
        stay_charge = sum((n.amount for n in held[:charge_nights]), ZERO).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        charge = min(stay_charge, paid)
        points_kept = _points_for(stay_charge - charge, booking)
        rule = Rule.LATE_CANCELLATION
        charged_nights = min(charge_nights, len(held))
        why = N_(
            f"Cancelled after {local_deadline} (hotel time): the first "
            f"{charged_nights} night(s), {stay_charge} {booking.currency}, are charged."
        )
    return CancellationQuote(
        booking_id=booking.id,
        rule=rule,
        free_until=deadline,
        paid_amount=paid,
        charge_amount=charge,
        refundable_amount=(paid - charge).quantize(CENT, rounding=ROUND_HALF_UP),
        points_redeemed=booking.points_redeemed,
        points_returned=booking.points_redeemed - points_kept,
        currency=booking.currency,
        explanation=why,
    )


async def _refund(actor: Actor, booking: Booking, kind: str, quote: CancellationQuote) -> Refund:
    # P6.2.3: a refund above the limit waits IN_REVIEW until a second person releases it.
    review = quote.refundable_amount > await params.dual_review_refund_limit
    refund = await Refund.create(
        booking_id=booking.id,
        kind=kind,
        rule=quote.rule,
        paid_amount=quote.paid_amount,
        charge_amount=quote.charge_amount,
        amount=quote.refundable_amount,
        currency=quote.currency,
        points_returned=quote.points_returned,
        status=REFUND_IN_REVIEW if review else "PENDING",
        explanation=quote.explanation,
        created_by_ref=actor.identity.actor_ref,
    )
    if review:
        await dual_review.request(
            actor,
            "refund.release",
            {
                "refund_id": refund.id,
                "booking_number": booking.number,
                "amount": str(refund.amount),
                "currency": refund.currency,
                "rule": quote.rule,
            },
            summary=(
                f"Refund {refund.amount} {refund.currency} for booking {booking.number} "
                f"({kind.lower()}, {quote.rule.lower()})"
            ),
            permissions=[("refund", "release")],
            subject_type="Refund",
            subject_id=refund.id,
        )
    return refund


@dual_review.operation("refund.release")
async def _release_refund(operation: PendingOperation, checker: Actor) -> dict:
    """Dual-review runner: release a reviewed refund for Finance to pay, exactly the amount
    the checker saw."""
    args = operation.arguments
    released = await Refund.filter(
        id=args["refund_id"],
        status=REFUND_IN_REVIEW,
        amount=Decimal(args["amount"]),
        currency=args["currency"],
    ).update(status="PENDING")
    if released != 1:
        raise DomainError(
            ErrorCode.TAMPERED, "The refund is not the one that was reviewed.", "operationId"
        )
    return {"refundId": args["refund_id"]}


@dual_review.on_closed("refund.release")
async def _refund_not_released(operation: PendingOperation) -> None:
    """A refused, expired or failed review leaves the refund unpaid and marked so (REJECTED,
    EXPIRED, FAILED) for Finance."""
    await Refund.filter(id=operation.arguments["refund_id"], status=REFUND_IN_REVIEW).update(
        status=operation.status
    )


async def cancel_booking(
    actor: Actor, booking_id: int | str, reason: str, idempotency_key: str | None = None
) -> CancellationResult:
    """Cancel a booking (inside an audited unit of work): release its nights, return the points
    not charged, record the refund and tell the guest and the PMS."""
    scope = idempotency.scope_for("cancelBooking", actor)
    if idempotency_key is not None:
        earlier = await idempotency.claim(
            scope, idempotency_key, {"booking_id": str(booking_id), "reason": reason}
        )
        if earlier is not None:
            refund = await Refund.get(id=int(earlier))
            return CancellationResult(
                await Booking.get(id=refund.booking_id), refund, await review_of(refund)
            )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.REQUIRED, "Say why the booking is cancelled.", "reason")
    booking = await load_booking(actor, booking_id)
    quote = await cancellation_quote(booking)
    await save_transition(
        booking, BookingStatus.CANCELLED, cancelled_at=clock.now(), cancel_reason=reason[:2000]
    )
    await nights.release(booking)
    if booking.member_id is not None:
        await members.return_points(booking.member_id, quote.points_returned, booking_id=booking.id)
    refund = await _refund(actor, booking, "CANCELLATION", quote)
    lang = booking.language
    refunded = i18n.format_money(refund.amount, refund.currency, lang)
    await sync.announce(
        booking,
        "booking.cancelled",
        t(lang, "Booking {number} cancelled", number=booking.number),
        t(lang, "Your booking {number} is cancelled.", number=booking.number)
        + " "
        + i18n.translate(quote.explanation, lang)
        + " "
        + (
            t(
                lang,
                "Refund: {amount} and {points} points.",
                amount=refunded,
                points=quote.points_returned,
            )
            if quote.points_returned
            else t(lang, "Refund: {amount}.", amount=refunded)
        ),
    )
    if idempotency_key is not None:
        await idempotency.complete(scope, idempotency_key, str(refund.id))
    return CancellationResult(booking, refund, await review_of(refund))


async def review_of(refund: Refund) -> PendingOperation | None:
    """The dual review of a refund above the limit (whatever its state now), or None."""
    if refund.status == "PENDING" and refund.amount <= await params.dual_review_refund_limit:
        return None
    return (
        await PendingOperation.filter(
            operation="refund.release", subject_type="Refund", subject_id=str(refund.id)
        )
        .order_by("-id")
        .first()
    )


async def no_show_refund(actor: Actor, booking: Booking) -> Refund:
    """The refund of a no-show: no_show_refund_percent of money and points paid."""
    percent = Decimal(await params.no_show_refund_percent)
    paid = Decimal(booking.total_amount).quantize(CENT)
    refund_amount = (paid * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    points_back = int(
        (Decimal(booking.points_redeemed) * percent / 100).to_integral_value(rounding=ROUND_FLOOR)
    )
    quote = CancellationQuote(
        booking_id=booking.id,
        rule=Rule.NO_SHOW,
        free_until=await free_cancellation_deadline(booking),
        paid_amount=paid,
        charge_amount=paid - refund_amount,
        refundable_amount=refund_amount,
        points_redeemed=booking.points_redeemed,
        points_returned=points_back,
        currency=booking.currency,
        explanation=N_(f"The guest did not arrive: {percent.normalize():f}% is refunded."),
    )
    if booking.member_id is not None:
        await members.return_points(booking.member_id, points_back, booking_id=booking.id)
    return await _refund(actor, booking, "NO_SHOW", quote)
