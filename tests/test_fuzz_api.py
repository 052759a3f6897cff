"""Generated-query fuzzing of the whole API (issue 7, "Bad input and failure"): property-based
GraphQL documents built from the committed schema (schema.graphql) by hypothesis-graphql, sent
to the ASGI app in process as a staff member holding several roles, as a guest and anonymously.
Whatever the document, the answer is never a 5xx and never `INTERNAL_ERROR`: bad input is a
coded refusal.

This is how item 4 was found, and it runs in CI on both backends. The run is reproducible
(`derandomize=True`: the same cases every run, so a failure in CI is a failure on a laptop) and
bounded: 1,200 cases in all, split by caller and kind of operation below. Measured on SQLite, a
case costs ~0.15 s of CPU for a mutation document (they do real work: password hashing, key
derivation, archive writes), ~0.1 s for a query document and ~0.01-0.05 s for guest, anonymous
and invalid documents, half of it generating the document; 1,200 cases are ~90 s of CPU. Each
root field appears in many cases with varied arguments (one document selects several fields).
Its findings so far (a lookup by a value longer than its column, a NUL character on
PostgreSQL) are regression tests of their own; `FUZZ_CASES_FACTOR=5` runs a deeper search.

The strategies are steered to where bugs hide: amounts, dates and ids are mostly well-formed
(global ids of the registered node types with small keys, so lookups find rows of the seeded
hotel) with a share of malformed and extreme values.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path

import pytest
from graphql import build_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes, queries

from authz import tokens
from domain.actor import SYSTEM
from domain.demo_inventory import seed_demo_inventory
from tests.conftest import make_account

SCHEMA = build_schema((Path(__file__).parent.parent / "schema.graphql").read_text())
FACTOR = float(os.environ.get("FUZZ_CASES_FACTOR", "1"))

# Mutations that would end the fuzzing caller's own session; what they do with bad input is
# covered by the identity tests, and here they would only turn the remaining cases into 401s.
SESSION_ENDING = {"logout"}

NODE_TYPES = [
    "ApprovalRequest", "AuditEntry", "AuthorizationChange", "Booking", "BookingChangeRequest",
    "Notification", "Refund", "Room", "RoomType", "StaffAccount", "Meeting", "ActionItem",
    "Resolution", "Dispute", "Complaint", "CrisisGroup", "Workshop", "Proposal",
    "PolicyReview", "PolicyChange", "InnovationFundEntry", "Nope",
    "Employee", "Project", "RotationPlan",
    "Partner", "ConsentEntry",
    "Incident", "InternalAudit", "AuditSample",
    "EvaluationResult", "EvaluationCycle", "TrainingSession", "FacilityTicket",
    "Notice", "PhoneCall", "Procedure", "LearningProgress",
    "DataSubjectRequest",
    "IncentiveEntry", "ViolationCase", "BlacklistEntry",
]
EXTREME_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e1000", "-1e-1000", "9" * 30, "0.001",
                   "-5", "0", "", " ", "1,5", "0x10", "1_000"]


def _global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


well_formed_ids = st.builds(
    _global_id, st.sampled_from(NODE_TYPES), st.integers(1, 8).map(str)
)
malformed_ids = st.one_of(
    st.builds(_global_id, st.sampled_from(NODE_TYPES), st.text(max_size=12)),
    st.text(max_size=30),
    st.integers(-5, 10**12).map(str),
)
# `one_of` picks its branches evenly: repeating a branch makes it the common case, so most
# documents get past the scalars and reach the resolvers, while malformed values stay frequent.
ids = st.one_of(well_formed_ids, well_formed_ids, well_formed_ids, malformed_ids).map(
    nodes.String
)
good_amounts = st.decimals(min_value=-10, max_value=10**6, places=2, allow_nan=False)
amounts = st.one_of(
    good_amounts.map(nodes.String),
    good_amounts.map(nodes.String),
    st.sampled_from(EXTREME_NUMBERS).map(nodes.String),
    st.integers(-(10**20), 10**20).map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
)
near_dates = st.dates(dt.date(2026, 11, 1), dt.date(2027, 2, 28)).map(nodes.String)
dates = st.one_of(
    near_dates,
    near_dates,
    near_dates,
    st.dates().map(nodes.String),
    st.sampled_from(["2026-02-30", "26-11-28", "", "tomorrow", "2026-11-28T10:00:00"]).map(
        nodes.String
    ),
)
datetimes = st.one_of(
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: nodes.String(d.isoformat())),
    st.text(max_size=30).map(nodes.String),
)
json_values = st.one_of(st.text(max_size=20).map(nodes.String), st.integers().map(nodes.Int))
CUSTOM_SCALARS = {
    "ID": ids,
    "Decimal": amounts,
    "Date": dates,
    "DateTime": datetimes,
    "JSON": json_values,
    "Upload": st.text(max_size=10).map(nodes.String),
}


def _root_fields(type_name: str, leave_out: set[str] = frozenset()) -> list[str]:
    return sorted(set(SCHEMA.get_type(type_name).fields) - leave_out)


def fuzz_settings(cases: int):
    return settings(
        max_examples=max(1, int(cases * FACTOR)),
        derandomize=True,
        deadline=None,
        database=None,
        # No shrinking: it can take minutes on a schema this size; the failing document is in
        # the assertion message as generated, and derandomize makes it reappear on every run.
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


@pytest.fixture
async def callers(runtime) -> dict[str, str]:
    """A staff member holding the roles that can reach most of the API, and a guest; both with
    a request budget that the fuzzing cannot exhaust (the clock is frozen in tests)."""
    await seed_demo_inventory(SYSTEM, days=40)
    staff = await make_account(
        "fuzz.staff@test.hotel", ["admin", "director", "supervisor", "booking_agent"],
        request_budget=1_000_000,
    )
    guest = await make_account("fuzz.guest@test.hotel", kind="GUEST", request_budget=1_000_000)
    return {
        "staff": (await tokens.issue_session(staff)).access_token,
        "guest": (await tokens.issue_session(guest)).access_token,
    }


async def _assert_handled(gql, document: str, token: str | None) -> None:
    reply = await gql(document, token=token)
    seen = f"\n{document}\n-> HTTP {reply.status} {reply.body}"
    assert reply.status < 500, seen
    assert "INTERNAL_ERROR" not in reply.error_codes, seen


STAFF_QUERIES = queries(SCHEMA, custom_scalars=CUSTOM_SCALARS)
STAFF_MUTATIONS = mutations(
    SCHEMA,
    fields=_root_fields("Mutation", SESSION_ENDING),
    custom_scalars=CUSTOM_SCALARS,
)
ANY_OPERATION = from_schema(
    SCHEMA,
    fields=_root_fields("Query") + _root_fields("Mutation", SESSION_ENDING),
    custom_scalars=CUSTOM_SCALARS,
)
NEGATIVE = from_schema(
    SCHEMA,
    fields=_root_fields("Query") + _root_fields("Mutation", SESSION_ENDING),
    custom_scalars=CUSTOM_SCALARS,
    mode=Mode.NEGATIVE,
)


@fuzz_settings(cases=300)
@given(document=STAFF_QUERIES)
async def test_staff_queries_never_fail_unexpectedly(gql, callers, document):
    await _assert_handled(gql, document, callers["staff"])


@fuzz_settings(cases=300)
@given(document=STAFF_MUTATIONS)
async def test_staff_mutations_never_fail_unexpectedly(gql, callers, document):
    await _assert_handled(gql, document, callers["staff"])


@fuzz_settings(cases=300)
@given(document=ANY_OPERATION, anonymous=st.booleans())
async def test_guest_and_anonymous_operations_never_fail_unexpectedly(
    gql, callers, document, anonymous
):
    await _assert_handled(gql, document, None if anonymous else callers["guest"])


@fuzz_settings(cases=300)
@given(document=NEGATIVE)
async def test_invalid_documents_are_refused_not_crashed_on(gql, callers, document):
    await _assert_handled(gql, document, callers["staff"])
