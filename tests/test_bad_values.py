"""Bad values are refused with a code and change nothing; every failed attempt is audited
(issue 7, item 4). Each finding of the attack is reproduced here through the API, and the
database is checked: no row written, the refusal (REJECTED) or failure (ERROR) on the trail."""

from __future__ import annotations

import pytest

from authz.identity import Identity, Kind
from domain import audit
from domain.actor import Actor
from domain.models import ApprovalRequest, AuditEntry, AuthorizationChange, RoleGrant
from domain.unit_of_work import audited

SUBMIT = """mutation($amount: Decimal, $currency: String, $kind: String!) {
  submitApproval(input: {kind: $kind, reason: "new linen for floor 3", amount: $amount,
                         currency: $currency}) {
    approval { id amount currency } errors { field code message } } }"""

SUBMIT_LITERAL = """mutation { submitApproval(input: {kind: "PURCHASE", reason: "linen",
  amount: %s, currency: "CNY"}) { approval { id } errors { field code } } }"""

SET_GRANT = """mutation($role: String!, $resource: String!, $action: String!) {
  setRoleGrant(input: {role: $role, resource: $resource, action: $action, granted: true,
                       reason: "the attack replayed"}) {
    rule { role } errors { field code } } }"""


async def _no_approval_written() -> None:
    assert await ApprovalRequest.all().count() == 0


@pytest.mark.parametrize(
    "amount",
    ["NaN", "Infinity", "-Infinity", "1e1000", "99999999999999999999999999", "12.345", "abc"],
)
async def test_a_malformed_amount_is_refused_at_the_boundary(gql, person, amount):
    agent = await person("booking_agent")
    reply = await gql(
        SUBMIT, {"amount": amount, "currency": "CNY", "kind": "PURCHASE"}, token=agent.token
    )
    assert reply.status == 200
    assert reply.error_codes == ["BAD_USER_INPUT"]
    assert reply.data is None
    assert "INTERNAL" not in str(reply.body)
    await _no_approval_written()


@pytest.mark.parametrize("literal", ["1e1000", "12.345", '"NaN"', "123456789012345"])
async def test_a_malformed_amount_literal_is_refused_too(gql, person, literal):
    agent = await person("booking_agent")
    reply = await gql(SUBMIT_LITERAL % literal, token=agent.token)
    assert reply.error_codes == ["BAD_USER_INPUT"]
    assert reply.data is None
    await _no_approval_written()


async def test_a_well_formed_amount_is_still_taken_as_string_number_or_literal(gql, person):
    agent = await person("booking_agent")
    for amount in ("1250.5", 1250, 1250.5):
        reply = await gql(
            SUBMIT, {"amount": amount, "currency": "cny", "kind": "PURCHASE"}, token=agent.token
        )
        approval = reply.data["submitApproval"]["approval"]
        assert approval["amount"] in ("1250.50", "1250.00") and approval["currency"] == "CNY"
    literal = await gql(SUBMIT_LITERAL % "99.90", token=agent.token)
    assert literal.data["submitApproval"]["errors"] == []
    assert await ApprovalRequest.all().count() == 4


@pytest.mark.policy("P4.1.1")
async def test_an_amount_above_the_largest_approvable_is_out_of_range(gql, person):
    agent = await person("booking_agent")
    reply = await gql(
        SUBMIT,
        {"amount": "100000000.01", "currency": "CNY", "kind": "PURCHASE"},
        token=agent.token,
    )
    assert reply.data["submitApproval"]["errors"] == [
        {"field": "amount", "code": "OUT_OF_RANGE",
         "message": "An amount to approve is at most 100000000."}
    ]
    await _no_approval_written()
    assert await AuditEntry.filter(action="submitApproval", outcome="REJECTED").count() == 1


@pytest.mark.parametrize("currency", ["ABCD", "XXX", "ZZZ", "C1Y", ""])
async def test_a_currency_must_be_an_iso_4217_code(gql, person, currency):
    agent = await person("booking_agent")
    reply = await gql(
        SUBMIT, {"amount": "120.00", "currency": currency, "kind": "PURCHASE"}, token=agent.token
    )
    errors = reply.data["submitApproval"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("currency", "REQUIRED" if currency == "" else "INVALID")
    ]
    await _no_approval_written()
    rejected = await AuditEntry.get(action="submitApproval", outcome="REJECTED")
    assert rejected.request_id and rejected.actor_id


async def test_a_value_longer_than_its_column_is_too_long_not_an_internal_error(gql, person):
    agent = await person("booking_agent")
    reply = await gql(
        SUBMIT, {"amount": None, "currency": None, "kind": "K" * 500}, token=agent.token
    )
    assert reply.data["submitApproval"]["errors"] == [
        {"field": "kind", "code": "TOO_LONG", "message": "kind has at most 40 characters."}
    ]
    await _no_approval_written()
    assert await AuditEntry.filter(action="submitApproval", outcome="REJECTED").count() == 1


@pytest.mark.parametrize(
    ("role", "resource", "action", "field"),
    [
        ("r" * 30, "x" * 30, "read", "role"),
        ("night_auditor", "audit_log", "read", "role"),
        ("finance", "payroll", "read", "resource"),
        ("finance", "audit_log", "obliterate", "action"),
        ("scope:everything", "booking", "read", "role"),
    ],
)
async def test_a_grant_for_an_unknown_role_resource_or_action_is_refused(
    gql, person, role, resource, action, field
):
    admin = await person("admin")
    grants_before = await RoleGrant.all().count()
    reply = await gql(
        SET_GRANT, {"role": role, "resource": resource, "action": action}, token=admin.token
    )
    assert reply.data["setRoleGrant"] == {
        "rule": None, "errors": [{"field": field, "code": "INVALID"}]
    }
    assert await RoleGrant.all().count() == grants_before
    assert await AuthorizationChange.all().count() == 0
    rejected = await AuditEntry.get(action="setRoleGrant", outcome="REJECTED")
    assert len(rejected.subject_id) <= 60 and rejected.subject_id.startswith(role[:20])


async def test_a_grant_to_a_partner_scope_is_still_taken(gql, person):
    admin = await person("admin")
    reply = await gql(
        SET_GRANT,
        {"role": "scope:bookings:read", "resource": "room_type", "action": "read"},
        token=admin.token,
    )
    assert reply.data["setRoleGrant"]["errors"] == []


async def test_an_unexpected_error_is_audited_as_error_with_the_request_id(runtime):
    staff = Identity(kind=Kind.STAFF, id=7, roles=("admin",), display_name="Admin")
    actor = Actor(staff, request_id="req-boom-1", client_ip="127.0.0.9")

    async def work():
        await ApprovalRequest.create(
            kind="PURCHASE", reason="half written", status="PENDING", levels=[["supervisor"]],
            current_level=1, required_role="supervisor",
        )
        raise RuntimeError("the disk caught fire")

    with pytest.raises(RuntimeError, match="the disk caught fire"):
        await audited(actor, "submitApproval", "ApprovalRequest", work, subject_id="42")
    await _no_approval_written()
    entry = await AuditEntry.get(action="submitApproval")
    assert entry.outcome == audit.Outcome.ERROR == "ERROR"
    assert (entry.request_id, entry.subject_type, entry.subject_id) == (
        "req-boom-1", "ApprovalRequest", "42"
    )
    assert entry.detail == "unexpected RuntimeError" and "fire" not in entry.detail
    assert (await audit.verify_chain()).ok


async def test_an_error_through_nested_units_of_work_is_audited_once(runtime):
    actor = Actor(Identity(kind=Kind.SYSTEM, display_name="system"), request_id="req-nested")

    async def inner():
        raise LookupError("lost")

    async def outer():
        return await audited(actor, "innerStep", "Thing", inner)

    with pytest.raises(LookupError):
        await audited(actor, "outerStep", "Thing", outer)
    entries = await AuditEntry.filter(request_id="req-nested")
    assert [(e.action, e.outcome) for e in entries] == [("outerStep", "ERROR")]


async def test_a_long_or_odd_request_id_is_replaced_not_an_internal_error(gql, person):
    agent = await person("booking_agent")
    for sent in ("r" * 41, "id with spaces", "x" * 64):
        reply = await gql(
            SUBMIT,
            {"amount": "10.00", "currency": "CNY", "kind": "PURCHASE"},
            token=agent.token,
            headers={"X-Request-Id": sent},
        )
        assert reply.data["submitApproval"]["errors"] == []
        assert reply.headers["x-request-id"] != sent
    kept = await gql(
        SUBMIT,
        {"amount": "10.00", "currency": "CNY", "kind": "PURCHASE"},
        token=agent.token,
        headers={"X-Request-Id": "client-req-0001"},
    )
    assert kept.headers["x-request-id"] == "client-req-0001"
    assert await AuditEntry.filter(request_id="client-req-0001", outcome="SUCCESS").count() == 1


async def test_text_with_a_nul_character_is_refused_before_it_reaches_the_database(gql, person):
    """Found by the fuzzer on PostgreSQL: a NUL in any string (a variable or a literal) made
    the query fail in the database (INTERNAL_ERROR); SQLite stored it."""
    agent = await person("booking_agent")
    as_variable = await gql(
        SUBMIT, {"amount": None, "currency": None, "kind": "PUR\x00CHASE"}, token=agent.token
    )
    as_literal = await gql(
        'mutation { submitApproval(input: {kind: "A\\u0000B", reason: "x"}) { errors { code } } }',
        token=agent.token,
    )
    for reply in (as_variable, as_literal):
        assert reply.status == 200 and reply.data is None
        assert reply.error_codes == ["BAD_USER_INPUT"]
    await _no_approval_written()
    assert await AuditEntry.filter(action="submitApproval").count() == 0
