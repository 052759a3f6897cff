"""Every "X" of POLICY.md is a named, typed, versioned parameter (P8.3 review, P0.3 trace)."""

from __future__ import annotations

import pytest

from domain import policy_params
from domain.models import AuditEntry, PolicyParameterVersion
from tests.dual_review_support import confirm_through_api

LIST = "{ policyParameters { key value valueType unit description clause version updatedAt } }"
SET = """mutation($k: String!, $v: String!, $r: String!) {
  setPolicyParameter(input: {key: $k, value: $v, reason: $r}) {
    parameter { key value version } pendingOperation { id argumentsDigest status }
    errors { field code message } } }"""


@pytest.mark.policy("P3.1.5")
async def test_parameters_are_listed_with_defaults_units_and_clauses(gql, person):
    agent = await person("booking_agent")
    params = {p["key"]: p for p in (await gql(LIST, token=agent.token)).data["policyParameters"]}
    grace = params["cancellation_grace_hours"]
    assert grace["value"] == "24" and grace["unit"] == "hours" and grace["clause"] == "P3.1.5"
    assert params["complaint_resolve_days"]["value"] == "10"
    assert params["approval_supervisor_limit"]["value"] == "10000"
    assert params["approval_director_limit"]["value"] == "100000"
    assert params["archive_work_record_retention_years"]["value"] == "3"
    assert all(p["description"] and p["clause"].startswith("P") for p in params.values())


@pytest.mark.policy("P6.2.3")
async def test_director_changes_a_parameter_versioned_and_read_through_the_accessor(gql, person):
    director, admin = await person("director"), await person("admin")
    reply = await gql(
        SET, {"k": "complaint_resolve_days", "v": "7", "r": "faster service"}, token=director.token
    )
    asked = reply.data["setPolicyParameter"]
    assert asked["parameter"] is None and asked["pendingOperation"]["status"] == "PENDING"
    assert await policy_params.get("complaint_resolve_days") == 10  # not before the checker
    confirmed = await confirm_through_api(gql, asked["pendingOperation"], admin.token)
    assert confirmed["errors"] == []
    assert confirmed["operation"]["status"] == "EXECUTED"
    assert await policy_params.get("complaint_resolve_days") == 7
    again = await gql(
        SET, {"k": "complaint_resolve_days", "v": "8", "r": "adjusted"}, token=director.token
    )
    second = again.data["setPolicyParameter"]["pendingOperation"]
    assert (await confirm_through_api(gql, second, admin.token))["errors"] == []
    versions = (
        await PolicyParameterVersion.filter(key="complaint_resolve_days")
        .order_by("version")
        .values_list("value", flat=True)
    )
    assert versions == ["7", "8"]


@pytest.mark.parametrize(
    ("key", "value", "field", "code"),
    [
        ("cancellation_grace_hours", "soon", "value", "INVALID"),
        ("cancellation_grace_hours", "-1", "value", "OUT_OF_RANGE"),
        ("approval_supervisor_limit", "10.001", "value", "INVALID"),
        ("checkin_local_time", "25:00", "value", "INVALID"),
        ("no_such_parameter", "1", "key", "NOT_FOUND"),
        ("approval_supervisor_limit", "200000", "value", "OUT_OF_RANGE"),
        ("complaint_resolve_days", "3", "value", "OUT_OF_RANGE"),
    ],
)
async def test_bad_values_are_payload_errors_and_change_nothing(
    gql, person, key, value, field, code
):
    admin = await person("admin")
    reply = await gql(SET, {"k": key, "v": value, "r": "try"}, token=admin.token)
    errors = reply.data["setPolicyParameter"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert await PolicyParameterVersion.all().count() == 0
    assert await AuditEntry.filter(outcome="REJECTED").count() == 1


async def test_a_reason_is_required(gql, person):
    admin = await person("admin")
    reply = await gql(
        SET, {"k": "cancellation_grace_hours", "v": "12", "r": " "}, token=admin.token
    )
    assert reply.data["setPolicyParameter"]["errors"][0]["field"] == "reason"


@pytest.mark.parametrize("role", ["supervisor", "booking_agent", "auditor", "hr"])
async def test_only_director_and_admin_change_parameters(gql, person, role):
    someone = await person(role)
    reply = await gql(
        SET, {"k": "cancellation_grace_hours", "v": "12", "r": "x"}, token=someone.token
    )
    assert reply.error_codes == ["FORBIDDEN"]
    assert await PolicyParameterVersion.all().count() == 0


async def test_guests_and_partners_cannot_read_parameters(gql, person, partner):
    guest = await person(kind="GUEST")
    _, secret = await partner(["bookings:read"])
    assert (await gql(LIST, token=guest.token)).error_codes == ["FORBIDDEN"]
    assert (await gql(LIST, token=secret)).error_codes == ["FORBIDDEN"]


async def test_typed_accessor_reads_the_current_version(gql, person):
    """`params.<name>` reads the same stored version as the API shows, typed by its kind."""
    from domain.policy_params import params

    assert await params.cancellation_grace_hours == 24  # the catalogue's default
    admin, director = await person("admin"), await person("director")
    reply = await gql(
        """mutation { setPolicyParameter(input: {key: "cancellation_grace_hours", value: "36",
        reason: "winter season"}) { pendingOperation { id argumentsDigest } errors { code } } }""",
        token=admin.token,
    )
    assert reply.data["setPolicyParameter"]["errors"] == []
    pending = reply.data["setPolicyParameter"]["pendingOperation"]
    assert (await confirm_through_api(gql, pending, director.token))["errors"] == []
    value = await params.cancellation_grace_hours
    assert value == 36 and type(value) is int
    assert type(await params.approval_supervisor_limit).__name__ == "Decimal"
