"""Settlement of booking money with Finance (P1.1: the department works with Finance on the
settlement of booking payments; P3.1.5 refunds after cancellation are paid out by Finance).

Money that moves is a `LedgerEntry` of a booking, in the booking's currency, Decimal with two
places: PAYMENT and DEPOSIT received (positive), REFUND paid out (negative). Its business date
is the hotel-local day it was recorded. `record_payment` refuses money for a booking that is
cancelled or no-show, in another currency, or beyond what the booking still owes.
`settle_refund` pays a PENDING refund: one conditional UPDATE PENDING -> PAID (so paying twice
is refused, ALREADY_SETTLED, also when two people try at once) and its ledger entry with
Finance's reference; a refund larger than the booking has paid is refused.

`settlement_report(day)` balances one hotel-local day to the cent, per currency: the value of
bookings taken, payments and deposits received, refunds paid, the ledger's net, and what is
outstanding at the end of the day (receivable from guests, payable to guests). A booking owes
its total while it stands; once cancelled or a no-show it owes its total less its refunds;
what it paid is the sum of its ledger entries. The report checks that the ledger's net equals
payments received less refunds paid as the refund records say, that every entry has the sign of
its kind and every refund paid has exactly its entry, and lists every mismatch it finds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from tortoise.exceptions import IntegrityError

from domain import money
from domain.actor import Actor
from domain.bookings.states import BookingStatus
from domain.clock import clock
from domain.documents.retention import local_midnight
from domain.errors import DomainError, ErrorCode
from domain.models import Booking, LedgerEntry, Refund

ZERO = Decimal("0.00")
CLOSED = (BookingStatus.CANCELLED, BookingStatus.NO_SHOW)


class EntryKind(StrEnum):
    PAYMENT = "PAYMENT"
    DEPOSIT = "DEPOSIT"
    REFUND = "REFUND"


class PaymentMethod(StrEnum):
    CASH = "CASH"
    CARD = "CARD"
    BANK_TRANSFER = "BANK_TRANSFER"
    ONLINE = "ONLINE"
    OTHER = "OTHER"


class PaymentKind(StrEnum):
    PAYMENT = "PAYMENT"
    DEPOSIT = "DEPOSIT"


RECEIVED = (EntryKind.PAYMENT, EntryKind.DEPOSIT)


class RefundStatus(StrEnum):
    PENDING = "PENDING"
    PAID = "PAID"


@dataclass(frozen=True)
class SettledRefund:
    refund: Refund
    entry: LedgerEntry

    @property
    def pk(self) -> int:  # the audit entry's subject
        return self.refund.id


def _reference(value: str | None) -> str:
    reference = (value or "").strip()
    if not reference:
        raise DomainError(
            ErrorCode.REQUIRED, "Give Finance's reference of the transaction.", "reference"
        )
    if len(reference) > 80:
        raise DomainError(ErrorCode.TOO_LONG, "A reference has at most 80 characters.", "reference")
    return reference


async def _net_received(booking_id: int) -> Decimal:
    rows = await LedgerEntry.filter(booking_id=booking_id).values_list("amount", flat=True)
    return sum((Decimal(a) for a in rows), ZERO)


async def _unused_reference(kind: str, reference: str) -> None:
    if await LedgerEntry.filter(kind=kind, reference=reference).exists():
        raise _reference_used()


def _reference_used() -> DomainError:
    return DomainError(ErrorCode.DUPLICATE, "This reference is recorded already.", "reference")


async def record_payment(
    actor: Actor,
    booking_id: int,
    *,
    amount: object,
    kind: str,
    method: str,
    reference: str,
    currency: str | None = None,
) -> LedgerEntry:
    """Record money received for a booking (inside the caller's unit of work)."""
    value = money.parse_amount(amount, "amount")
    if value <= 0:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "A payment is more than zero.", "amount")
    if kind not in RECEIVED:
        raise DomainError(ErrorCode.INVALID, "A payment is a PAYMENT or a DEPOSIT.", "kind")
    if method not in PaymentMethod.__members__:
        raise DomainError(ErrorCode.INVALID, "Name how the money was paid.", "method")
    reference = _reference(reference)
    # The booking's row is locked (PostgreSQL) so two payments at once cannot both fit into
    # what it owes; SQLite runs one transaction at a time.
    booking = await Booking.filter(id=booking_id).select_for_update().first()
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such booking.", "bookingId")
    if currency is not None and money.parse_currency(currency) != booking.currency:
        raise DomainError(
            ErrorCode.INVALID, f"The booking is paid in {booking.currency}.", "currency"
        )
    if booking.status in CLOSED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"The booking is {booking.status.lower()}: it takes no more payments.",
            "bookingId",
        )
    owed = Decimal(booking.total_amount) - await _net_received(booking.id)
    if value > owed:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"The booking owes {max(owed, ZERO)} {booking.currency}: the payment is more.",
            "amount",
        )
    await _unused_reference(kind, reference)
    try:
        return await LedgerEntry.create(
            booking_id=booking.id,
            kind=kind,
            amount=value,
            currency=booking.currency,
            method=method,
            reference=reference,
            business_date=clock.today(),
            recorded_by_account_id=actor.account_id,
        )
    except IntegrityError:  # the same reference recorded by someone else at this moment
        raise _reference_used() from None


async def settle_refund(
    actor: Actor, refund_id: int, reference: str, method: str = "BANK_TRANSFER"
) -> SettledRefund:
    """Pay out a PENDING refund once, with Finance's reference (inside the caller's unit of
    work): the refund becomes PAID and a REFUND ledger entry records the money paid out."""
    reference = _reference(reference)
    if method not in PaymentMethod.__members__:
        raise DomainError(ErrorCode.INVALID, "Name how the money was paid.", "method")
    refund = await Refund.get_or_none(id=refund_id)
    if refund is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such refund.", "refundId")
    if refund.status != RefundStatus.PENDING:
        raise DomainError(ErrorCode.ALREADY_SETTLED, "The refund is paid already.", "refundId")
    paid_in = await _net_received(refund.booking_id)
    if Decimal(refund.amount) > paid_in:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE,
            f"The booking has paid {paid_in} {refund.currency}: record the payment before "
            "refunding more.",
            "refundId",
        )
    await _unused_reference(EntryKind.REFUND, reference)
    now = clock.now()
    paid = await Refund.filter(id=refund.id, status=RefundStatus.PENDING).update(
        status=RefundStatus.PAID, settled_at=now
    )
    if paid != 1:
        raise DomainError(ErrorCode.ALREADY_SETTLED, "The refund is paid already.", "refundId")
    try:
        entry = await LedgerEntry.create(
            booking_id=refund.booking_id,
            kind=EntryKind.REFUND,
            amount=-Decimal(refund.amount),
            currency=refund.currency,
            method=method,
            reference=reference,
            refund_id=refund.id,
            business_date=clock.local(now).date(),
            recorded_by_account_id=actor.account_id,
        )
    except IntegrityError:
        raise _reference_used() from None
    return SettledRefund(await Refund.get(id=refund.id), entry)


async def entries_by_booking_ids(ids: list[int] | tuple[int, ...]) -> dict[int, list[LedgerEntry]]:
    """The ledger entries of many bookings in one query (a dataloader), oldest first."""
    found: dict[int, list[LedgerEntry]] = {i: [] for i in ids}
    for row in await LedgerEntry.filter(booking_id__in=list(set(ids))).order_by("id"):
        found[row.booking_id].append(row)
    return found


def ledger_query(booking_id: int | None = None):
    query = LedgerEntry.all()
    if booking_id is not None:
        query = query.filter(booking_id=booking_id)
    return query


# ---- the daily settlement report ----------------------------------------------------------


@dataclass
class SettlementLine:
    currency: str
    bookings_count: int = 0
    booked_value: Decimal = ZERO
    payments_received: Decimal = ZERO  # payments and deposits
    deposits_received: Decimal = ZERO
    refunds_paid: Decimal = ZERO  # as the refund records say
    ledger_net: Decimal = ZERO
    receivable: Decimal = ZERO  # owed by guests at the end of the day
    payable: Decimal = ZERO  # owed to guests at the end of the day

    @property
    def balanced(self) -> bool:
        return self.ledger_net == self.payments_received - self.refunds_paid


@dataclass
class SettlementReport:
    day: dt.date
    lines: list[SettlementLine] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.mismatches


async def settlement_report(day: dt.date) -> SettlementReport:
    """The settlement of one hotel-local day (six queries, whatever the volume)."""
    if not 2000 <= day.year <= 9000:
        raise DomainError(ErrorCode.INVALID, "Settlement covers days from 2000 on.", "date")
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    lines: dict[str, SettlementLine] = {}

    def line(currency: str) -> SettlementLine:
        return lines.setdefault(currency, SettlementLine(currency))

    mismatches: list[str] = []
    for row in await Booking.filter(created_at__gte=start, created_at__lt=end).values(
        "total_amount", "currency"
    ):
        target = line(row["currency"])
        target.bookings_count += 1
        target.booked_value += Decimal(row["total_amount"])
    entries = await LedgerEntry.filter(business_date=day).values(
        "id", "kind", "amount", "currency", "refund_id"
    )
    entry_of_refund: dict[int, dict] = {}
    for row in entries:
        amount, target = Decimal(row["amount"]), line(row["currency"])
        target.ledger_net += amount
        if row["kind"] in RECEIVED:
            target.payments_received += amount
            if row["kind"] == EntryKind.DEPOSIT:
                target.deposits_received += amount
            if amount <= 0:
                mismatches.append(f"Ledger entry {row['id']}: a {row['kind']} is not positive.")
        elif row["kind"] == EntryKind.REFUND:
            if amount >= 0 or row["refund_id"] is None:
                mismatches.append(
                    f"Ledger entry {row['id']}: a refund is negative and names its refund."
                )
            else:
                entry_of_refund[row["refund_id"]] = row
        else:
            mismatches.append(f"Ledger entry {row['id']}: unknown kind {row['kind']}.")
    settled = await Refund.filter(
        status=RefundStatus.PAID, settled_at__gte=start, settled_at__lt=end
    ).values("id", "amount", "currency")
    for row in settled:
        line(row["currency"]).refunds_paid += Decimal(row["amount"])
        entry = entry_of_refund.pop(row["id"], None)
        if entry is None:
            mismatches.append(f"Refund {row['id']} was paid without a ledger entry that day.")
        elif -Decimal(entry["amount"]) != Decimal(row["amount"]):
            mismatches.append(
                f"Refund {row['id']} of {row['amount']} has a ledger entry of "
                f"{-Decimal(entry['amount'])}."
            )
    for refund_id in entry_of_refund:
        mismatches.append(f"Ledger refund of refund {refund_id}, which was not paid that day.")
    for target in lines.values():
        if not target.balanced:
            mismatches.append(
                f"{target.currency}: the ledger's net {target.ledger_net} is not payments "
                f"{target.payments_received} less refunds {target.refunds_paid}."
            )
    await _outstanding(day, end, line)
    return SettlementReport(day=day, lines=[lines[c] for c in sorted(lines)], mismatches=mismatches)


async def _outstanding(day: dt.date, end: dt.datetime, line) -> None:
    """What guests owe and are owed at the end of `day`, per currency."""
    refunded: dict[int, Decimal] = defaultdict(Decimal)
    for row in await Refund.filter(created_at__lt=end).values("booking_id", "amount"):
        refunded[row["booking_id"]] += Decimal(row["amount"])
    received: dict[int, Decimal] = defaultdict(Decimal)
    for row in await LedgerEntry.filter(business_date__lte=day).values("booking_id", "amount"):
        received[row["booking_id"]] += Decimal(row["amount"])
    bookings = await Booking.filter(created_at__lt=end).values(
        "id", "status", "total_amount", "currency", "cancelled_at", "no_show_at"
    )
    for row in bookings:
        owes = Decimal(row["total_amount"])
        closed_at = row["cancelled_at"] or row["no_show_at"]
        if row["status"] in CLOSED and closed_at is not None and closed_at < end:
            owes -= refunded.get(row["id"], ZERO)
        balance = owes - received.get(row["id"], ZERO)
        if balance > 0:
            line(row["currency"]).receivable += balance
        elif balance < 0:
            line(row["currency"]).payable -= balance
