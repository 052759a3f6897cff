"""The first report sections, from bookings data: bookings taken by channel, occupancy per
night, room revenue by channel, and cancellations and refunds by channel.

Occupancy counts the nights held by bookings that are not cancelled or no-shows against the
rooms on sale that night (the inventory calendar, or the active rooms where a night has no
inventory row). Revenue is the price of the nights stayed or due to be stayed in the period,
recognised per night. Amounts are Decimal with two places, in the booking currency.

Policy: P3.2.7 (report contents), P3.1.1 and P3.1.5 (bookings by channel, cancellations and
refunds), P1.3 (data analysis supports revenue targets).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from domain.clock import clock
from domain.i18n import N_
from domain.models import Booking, BookingNight, InventoryNight, Refund, Room
from domain.reports.periods import Window
from domain.reports.registry import Chart, SectionContent, Table, section

CHANNELS = ("PHONE", "ONLINE", "WALK_IN", "PARTNER")
HELD = ("PENDING_REVIEW", "CONFIRMED", "CHECKED_IN", "CHECKED_OUT")
EARNING = ("CONFIRMED", "CHECKED_IN", "CHECKED_OUT")
CENT = Decimal("0.01")


def _channels(seen) -> list[str]:
    return [*CHANNELS, *sorted(set(seen) - set(CHANNELS))]


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount.quantize(CENT):,} {currency}"


def _currency(rows, key: str) -> str:
    currencies = {row[key] for row in rows if row.get(key)}
    return currencies.pop() if len(currencies) == 1 else "/".join(sorted(currencies)) or "CNY"


@section("bookings", N_("Bookings taken"), 10)
async def bookings_taken(target: Window) -> SectionContent:
    rows = await Booking.filter(
        created_at__gte=target.start_at, created_at__lt=target.end_at
    ).values("channel", "created_at")
    by_channel = Counter(row["channel"] for row in rows)
    channels = _channels(by_channel)
    charts = [
        Chart(
            "bar",
            N_("Bookings by channel"),
            channels,
            [("bookings", [float(by_channel[c]) for c in channels])],
            "bookings",
        )
    ]
    if len(target.days) > 1:
        per_day = Counter(clock.local(row["created_at"]).date() for row in rows)
        charts.append(
            Chart(
                "line",
                N_("Bookings per day"),
                [d.strftime("%m-%d") for d in target.days],
                [("bookings", [float(per_day[d]) for d in target.days])],
                "bookings",
            )
        )
    return SectionContent(
        figures=[(N_("Bookings taken"), str(len(rows)))],
        tables=[
            Table([N_("Channel"), N_("Bookings")], [[c, str(by_channel[c])] for c in channels])
        ],
        charts=charts,
    )


@section("occupancy", N_("Occupancy"), 20)
async def occupancy(target: Window) -> SectionContent:
    held = await BookingNight.filter(
        date__gte=target.start, date__lt=target.end, booking__status__in=HELD
    ).values("date")
    sold = Counter(row["date"] for row in held)
    inventory = await InventoryNight.filter(date__gte=target.start, date__lt=target.end).values(
        "date", "capacity"
    )
    capacity: dict = defaultdict(int)
    for row in inventory:
        capacity[row["date"]] += row["capacity"]
    rooms = await Room.filter(is_active=True).count()
    rows, rates = [], []
    for day in target.days:
        available = capacity.get(day, rooms)
        rate = 100.0 * sold[day] / available if available else 0.0
        rates.append(rate)
        rows.append([day.isoformat(), str(sold[day]), str(available), f"{rate:.1f}%"])
    total_sold = sum(sold[d] for d in target.days)
    total_available = sum(capacity.get(d, rooms) for d in target.days)
    overall = 100.0 * total_sold / total_available if total_available else 0.0
    labels = [d.strftime("%m-%d") for d in target.days]
    chart_kind = "line" if len(labels) > 1 else "bar"
    return SectionContent(
        figures=[
            (N_("Room-nights sold"), str(total_sold)),
            (N_("Room-nights available"), str(total_available)),
            (N_("Occupancy"), f"{overall:.1f}%"),
        ],
        tables=[Table([N_("Night"), N_("Sold"), N_("Available"), N_("Occupancy")], rows)],
        charts=[Chart(chart_kind, N_("Occupancy per night"), labels, [("occupancy", rates)], "%")],
    )


@section("revenue", N_("Room revenue"), 30)
async def revenue(target: Window) -> SectionContent:
    nights = await BookingNight.filter(
        date__gte=target.start, date__lt=target.end, booking__status__in=EARNING
    ).values("amount", "booking__channel", "booking__currency")
    currency = _currency(nights, "booking__currency")
    by_channel: dict[str, Decimal] = defaultdict(Decimal)
    for row in nights:
        by_channel[row["booking__channel"]] += Decimal(row["amount"])
    channels = _channels(by_channel)
    total = sum(by_channel.values(), Decimal(0))
    return SectionContent(
        figures=[
            (N_("Room revenue"), _money(total, currency)),
            (N_("Room-nights"), str(len(nights))),
        ],
        tables=[
            Table(
                [N_("Channel"), N_("Revenue")],
                [[c, _money(by_channel.get(c, Decimal(0)), currency)] for c in channels],
            )
        ],
        charts=[
            Chart(
                "bar",
                N_("Room revenue by channel"),
                channels,
                [("revenue", [float(by_channel.get(c, 0)) for c in channels])],
                currency,
            )
        ],
        note=N_("Revenue is recognised per night stayed or due in the period."),
    )


@section("cancellations", N_("Cancellations and refunds"), 40)
async def cancellations(target: Window) -> SectionContent:
    cancelled = await Booking.filter(
        cancelled_at__gte=target.start_at, cancelled_at__lt=target.end_at
    ).values("channel")
    refunds = await Refund.filter(
        created_at__gte=target.start_at, created_at__lt=target.end_at
    ).values("amount", "currency", "booking__channel")
    currency = _currency(refunds, "currency")
    cancelled_by = Counter(row["channel"] for row in cancelled)
    refunds_by = Counter(row["booking__channel"] for row in refunds)
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for row in refunds:
        refunded[row["booking__channel"]] += Decimal(row["amount"])
    channels = _channels([*cancelled_by, *refunds_by])
    total = sum(refunded.values(), Decimal(0))
    return SectionContent(
        figures=[
            (N_("Cancellations"), str(len(cancelled))),
            (N_("Refunds"), str(len(refunds))),
            (N_("Refunded amount"), _money(total, currency)),
        ],
        tables=[
            Table(
                [N_("Channel"), N_("Cancellations"), N_("Refunds"), N_("Refunded")],
                [
                    [
                        c,
                        str(cancelled_by[c]),
                        str(refunds_by[c]),
                        _money(refunded.get(c, Decimal(0)), currency),
                    ]
                    for c in channels
                ],
            )
        ],
        charts=[
            Chart(
                "bar",
                N_("Cancellations by channel"),
                channels,
                [("cancellations", [float(cancelled_by[c]) for c in channels])],
                "bookings",
            )
        ],
    )
