"""The rate calendar (P3.1.1): staff price a range of nights, which availability and new
bookings then use; the wrong roles are refused and bad ranges change nothing."""

from __future__ import annotations

import pytest
from booking_support import TODAY, D

from domain.models import NightlyRate

SET_RATES = """mutation($rt: ID!, $a: Date!, $b: Date!, $amount: Decimal!) {
  setNightlyRates(input: {roomTypeId: $rt, fromDate: $a, untilDate: $b, amount: $amount}) {
    nightsPriced roomType { code } errors { field code } } }"""
AVAILABILITY = """query($a: Date!, $b: Date!) { availability(checkIn: $a, checkOut: $b) {
  roomType { code } available nightlyRates { date amount } totalAmount } }"""


def _dates(start_days: int, nights: int) -> dict:
    start = TODAY + D(days=start_days)
    return {"a": start.isoformat(), "b": (start + D(days=nights)).isoformat()}


async def test_director_prices_a_range_and_availability_follows(gql, hotel, staff):
    director = await staff("director")
    reply = await gql(
        SET_RATES, {"rt": hotel.std, **_dates(10, 3), "amount": "650.50"}, token=director.token
    )
    assert reply.data["setNightlyRates"] == {
        "nightsPriced": 3,
        "roomType": {"code": "STD"},
        "errors": [],
    }
    offers = (await gql(AVAILABILITY, _dates(9, 5))).data["availability"]
    standard = next(o for o in offers if o["roomType"]["code"] == "STD")
    assert [r["amount"] for r in standard["nightlyRates"]] == [
        "500.00",
        "650.50",
        "650.50",
        "650.50",
        "500.00",
    ]
    assert standard["totalAmount"] == "2951.50"


async def test_new_nights_are_put_on_sale(gql, hotel, staff):
    supervisor = await staff("supervisor")
    beyond = _dates(120, 2)  # the fixture's calendar ends after 90 nights

    def standard(reply) -> dict:
        return next(o for o in reply.data["availability"] if o["roomType"]["code"] == "STD")

    assert standard(await gql(AVAILABILITY, beyond))["available"] == 0
    await gql(SET_RATES, {"rt": hotel.std, **beyond, "amount": "480"}, token=supervisor.token)
    after = standard(await gql(AVAILABILITY, beyond))
    assert after["available"] == 5 and after["totalAmount"] == "960.00"


@pytest.mark.parametrize(
    ("dates", "amount", "field"),
    [
        (_dates(10, 0), "500", None),
        (_dates(10, 3), "0", "amount"),
        (_dates(10, 3), "100000.01", "amount"),
    ],
)
async def test_bad_ranges_and_amounts_change_nothing(gql, hotel, staff, dates, amount, field):
    director = await staff("director")
    before = await NightlyRate.all().count()
    reply = await gql(SET_RATES, {"rt": hotel.std, **dates, "amount": amount}, token=director.token)
    errors = reply.data["setNightlyRates"]["errors"]
    assert errors and (field is None or errors[0]["field"] == field)
    assert await NightlyRate.all().count() == before


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "finance"])
async def test_other_roles_cannot_set_rates(gql, hotel, staff, role):
    someone = await staff(role)
    reply = await gql(
        SET_RATES, {"rt": hotel.std, **_dates(10, 3), "amount": "1"}, token=someone.token
    )
    assert reply.error_codes == ["FORBIDDEN"]
    assert not await NightlyRate.filter(amount=1).exists()
