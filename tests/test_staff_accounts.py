"""Staff accounts are managed by admin; every role change is filed with HR (P4.1.5), who
acknowledges it. `node(id:)` reaches objects only through the caller's grants."""

from __future__ import annotations

import json

import pytest
from strawberry.relay import to_base64

from domain.models import Account, AuthorizationChange, RefreshToken
from tests.conftest import PASSWORD
from tests.dual_review_support import confirm_through_api

CREATE = """mutation($email: String!, $roles: [String!]!) {
  createStaffAccount(input: {email: $email, displayName: "New Agent", roles: $roles,
                             password: "a-long-password-1", reason: "new hire"}) {
    account { id email roles isActive } pendingOperation { id argumentsDigest status }
    errors { field code } } }"""
UPDATE = """mutation($id: ID!, $roles: [String!], $active: Boolean) {
  updateStaffAccount(input: {accountId: $id, roles: $roles, isActive: $active,
                             reason: "promotion after assessment"}) {
    account { roles isActive } pendingOperation { id argumentsDigest status }
    errors { field code } } }"""
CHANGES = """{ authorizationChanges(first: 10, filter: {unacknowledgedOnly: true}) {
  totalCount edges { node { id kind role granted accountId filedWithHr } } } }"""
ACK = """mutation($id: ID!) { acknowledgeAuthorizationChange(input: {id: $id}) {
  authorizationChange { hrAcknowledgedAt } errors { code } } }"""


@pytest.mark.policy("P4.1.5")
@pytest.mark.policy("P6.2.3")
async def test_role_changes_are_filed_with_hr_and_acknowledged(gql, person):
    admin, second_admin, hr = await person("admin"), await person("admin"), await person("hr")
    created = (
        await gql(
            CREATE, {"email": "new@test.hotel", "roles": ["booking_agent"]}, token=admin.token
        )
    ).data["createStaffAccount"]
    assert created["errors"] == [] and created["account"] is None
    assert not await Account.filter(email="new@test.hotel").exists()  # a second admin first
    done = await confirm_through_api(gql, created["pendingOperation"], second_admin.token)
    assert done["errors"] == []
    account_id = to_base64("StaffAccount", json.loads(done["operation"]["result"])["accountId"])
    promoted = await gql(UPDATE, {"id": account_id, "roles": ["supervisor"]}, token=admin.token)
    pending = promoted.data["updateStaffAccount"]["pendingOperation"]
    assert pending["status"] == "PENDING"
    assert (await Account.get(email="new@test.hotel")).roles == ["booking_agent"]
    assert (await confirm_through_api(gql, pending, second_admin.token))["errors"] == []
    assert (await Account.get(email="new@test.hotel")).roles == ["supervisor"]
    filed = (await gql(CHANGES, token=hr.token)).data["authorizationChanges"]
    kinds = sorted((e["node"]["role"], e["node"]["granted"]) for e in filed["edges"])
    assert kinds == [("booking_agent", False), ("booking_agent", True), ("supervisor", True)]
    first = filed["edges"][0]["node"]["id"]
    ack = await gql(ACK, {"id": first}, token=hr.token)
    assert ack.data["acknowledgeAuthorizationChange"]["authorizationChange"]["hrAcknowledgedAt"]
    again = await gql(ACK, {"id": first}, token=hr.token)
    assert again.data["acknowledgeAuthorizationChange"]["errors"][0]["code"] == "ALREADY_DECIDED"
    assert (await gql(CHANGES, token=hr.token)).data["authorizationChanges"]["totalCount"] == 2


async def test_disabled_staff_cannot_log_in_or_use_tokens(gql, person):
    admin, agent = await person("admin"), await person("booking_agent")

    reply = await gql(
        UPDATE,
        {"id": to_base64("StaffAccount", agent.account.id), "active": False},
        token=admin.token,
    )
    assert reply.data["updateStaffAccount"]["account"]["isActive"] is False
    assert (await gql("{ me { kind } }", token=agent.token)).status == 401
    login = await gql(
        "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
        "{ errors { code } } }",
        {"e": agent.account.email, "p": PASSWORD},
    )
    assert login.data["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert await RefreshToken.filter(account_id=agent.account.id, revoked_at=None).count() == 0

    # Enabled again, the account logs in afresh: the sessions it had stay ended.
    enabled = await gql(
        UPDATE,
        {"id": to_base64("StaffAccount", agent.account.id), "active": True},
        token=admin.token,
    )
    assert enabled.data["updateStaffAccount"]["account"]["isActive"] is True
    assert (await gql("{ me { kind } }", token=agent.token)).status == 401


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"email": "not-an-email", "roles": ["cs_rep"]}, "email"),
        ({"email": "x@test.hotel", "roles": ["emperor"]}, "roles"),
        ({"email": "x@test.hotel", "roles": []}, "roles"),
    ],
)
async def test_bad_staff_input_writes_nothing(gql, person, variables, field):
    admin = await person("admin")
    before = await Account.all().count()
    reply = await gql(CREATE, variables, token=admin.token)
    assert reply.data["createStaffAccount"]["errors"][0]["field"] == field
    assert await Account.all().count() == before
    assert await AuthorizationChange.all().count() == 0


@pytest.mark.parametrize("role", ["hr", "director", "supervisor"])
async def test_only_admin_manages_staff(gql, person, role):
    someone = await person(role)
    reply = await gql(CREATE, {"email": "x@test.hotel", "roles": ["cs_rep"]}, token=someone.token)
    assert reply.error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["admin", "booking_agent"])
async def test_only_hr_acknowledges(gql, person, role):
    someone = await person(role)
    from strawberry.relay import to_base64

    reply = await gql(ACK, {"id": to_base64("AuthorizationChange", 1)}, token=someone.token)
    assert reply.error_codes == ["FORBIDDEN"]


async def test_node_respects_grants(gql, person):
    from strawberry.relay import to_base64

    admin, agent = await person("admin"), await person("booking_agent")
    node_id = to_base64("StaffAccount", agent.account.id)
    query = "query($id: ID!) { node(id: $id) { ... on StaffAccount { email } } }"
    assert (await gql(query, {"id": node_id}, token=admin.token)).data["node"]["email"]
    assert (await gql(query, {"id": node_id}, token=agent.token)).data["node"] is None
    unknown = await gql(query, {"id": to_base64("Nothing", 1)}, token=admin.token)
    assert unknown.data["node"] is None
