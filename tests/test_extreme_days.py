"""Queries over a range of hotel-local days refuse days whose local midnight has no UTC instant
(year 1 east of Greenwich, the last days of year 9999) with a payload-style error, never an
internal one: the fuzzer found `satisfactionSummary(since: "0001-01-01")` on PostgreSQL."""

from __future__ import annotations

import pytest

QUERIES = {
    "satisfactionSummary": (
        "data_analyst",
        '{ satisfactionSummary(since: "%s", until: "%s") { sent } }',
    ),
    "complaintKpis": (
        "supervisor",
        '{ complaintKpis(period: {start: "%s", end: "%s"}) { team { complaints } } }',
    ),
    "conversionStats": (
        "data_analyst",
        '{ conversionStats(period: {from: "%s", to: "%s"}, groupBy: CHANNEL) '
        "{ total { inquiries } } }",
    ),
}


@pytest.mark.parametrize("field", sorted(QUERIES))
@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")]
)
async def test_days_outside_the_calendar_are_refused_with_a_code(gql, person, field, start, end):
    role, document = QUERIES[field]
    caller = await person(role)
    reply = await gql(document % (start, end), token=caller.token)
    (error,) = reply.errors
    # A query carries the refusal as BAD_REQUEST with its reason (a payload would carry the code).
    assert "OUT_OF_RANGE" in (error["extensions"]["code"], error["extensions"].get("reason"))
    assert "INTERNAL_ERROR" not in reply.error_codes
