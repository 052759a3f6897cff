"""Malformed and absurd nightly rates (issue 7, item 4): `1e1000` reached INTERNAL_ERROR and a
26-digit rate was accepted and priced a booking at 26 digits. Now the `Decimal` scalar refuses
what is not an amount, `nightly_rate_max` bounds the rest, and nothing is written."""

from __future__ import annotations

import pytest
from booking_support import BY_NUMBER, TODAY, D, book

from domain import policy_params
from domain.models import AuditEntry, Booking, NightlyRate

SET_RATES = """mutation($rt: ID!, $amount: Decimal!) {
  setNightlyRates(input: {roomTypeId: $rt, fromDate: "2026-12-08", untilDate: "2026-12-11",
                          amount: $amount}) {
    nightsPriced errors { field code message } } }"""


async def _rates_unchanged(before: list) -> None:
    assert await NightlyRate.all().order_by("id").values_list("amount", flat=True) == before


@pytest.mark.parametrize("amount", ["1e1000", "NaN", "-Infinity", "99999999999999999999999999"])
async def test_a_malformed_rate_is_refused_at_the_boundary(gql, hotel, staff, amount):
    director = await staff("director")
    before = await NightlyRate.all().order_by("id").values_list("amount", flat=True)
    reply = await gql(SET_RATES, {"rt": hotel.std, "amount": amount}, token=director.token)
    assert reply.status == 200 and reply.data is None
    assert reply.error_codes == ["BAD_USER_INPUT"]
    await _rates_unchanged(before)


@pytest.mark.policy("P3.1.1")
async def test_a_rate_above_the_policy_maximum_is_out_of_range_and_books_nothing(
    gql, hotel, staff
):
    director = await staff("director")
    before = await NightlyRate.all().order_by("id").values_list("amount", flat=True)
    reply = await gql(SET_RATES, {"rt": hotel.std, "amount": "999999999999"}, token=director.token)
    assert reply.data["setNightlyRates"] == {
        "nightsPriced": 0,
        "errors": [{"field": "amount", "code": "OUT_OF_RANGE",
                    "message": "A nightly rate is at most 100000."}],
    }
    await _rates_unchanged(before)
    assert await AuditEntry.filter(action="setNightlyRates", outcome="REJECTED").count() == 1
    # The nights keep their old price, so a booking over them costs what it did.
    booking = await book(gql, director.token, hotel.std, TODAY + D(days=10), 3)
    assert booking["totalAmount"] == "1500.00"
    assert await Booking.all().count() == 1


@pytest.mark.policy("P3.1.1")
async def test_the_maximum_is_a_policy_parameter(gql, hotel, staff):
    director = await staff("director")
    assert await policy_params.get("nightly_rate_max") == 100000
    reply = await gql(SET_RATES, {"rt": hotel.std, "amount": "100000"}, token=director.token)
    assert reply.data["setNightlyRates"]["errors"] == []
    assert await NightlyRate.filter(amount=100000).count() == 3


async def test_a_lookup_by_a_value_longer_than_its_column_is_refused_with_a_code(gql, staff):
    """Found by the fuzzer: `booking(number: <22 characters>)` was INTERNAL_ERROR (the ORM
    refuses to compare a value longer than the column)."""
    agent = await staff("booking_agent")
    reply = await gql(BY_NUMBER, {"n": "N" * 22}, token=agent.token)
    assert reply.status == 200
    assert reply.error_codes == ["TOO_LONG"]
    assert reply.errors[0]["extensions"]["field"] == "number"
    assert reply.data == {"booking": None}
    assert await AuditEntry.filter(outcome="ERROR").count() == 0
