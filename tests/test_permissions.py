"""The permission matrix (P6.1.2): every field is checked, deny by default, changes audited and
filed with HR (P4.1.5)."""

from __future__ import annotations

import pytest
from strawberry.permission import PermissionExtension

from authz.matrix import default_rules
from domain.models import AuditEntry, AuthorizationChange
from schema import build_schema
from schema.permissions import Allow
from tests.dual_review_support import confirm_through_api


def _checks(field) -> list[Allow]:
    return [
        permission
        for extension in field.extensions
        if isinstance(extension, PermissionExtension)
        for permission in extension.permissions
        if isinstance(permission, Allow)
    ]


@pytest.mark.policy("P6.1.2")
def test_every_root_field_goes_through_the_permission_check():
    schema = build_schema()
    unguarded, guarded = [], 0
    for root in ("Query", "Mutation", "Subscription"):
        definition = schema.get_type_by_name(root)
        for field in definition.fields:
            checks = _checks(field)
            if len(checks) != 1 or not (checks[0].resource and checks[0].action):
                unguarded.append(f"{root}.{field.name}")
            else:
                guarded += 1
    assert unguarded == []
    assert guarded > 50  # the walk saw the whole API, not an empty schema


@pytest.mark.policy("P6.1.2")
def test_every_checked_resource_action_is_granted_to_someone():
    """A field whose resource/action no role holds would be dead; catch typos in grants."""
    granted = {(r.resource, r.action) for r in default_rules()}
    granted |= {(res, act.removesuffix("_own")) for res, act in granted}
    schema = build_schema()
    orphans, seen = [], 0
    for root in ("Query", "Mutation", "Subscription"):
        for field in schema.get_type_by_name(root).fields:
            for check in _checks(field):
                seen += 1
                if (check.resource, check.action) not in granted:
                    orphans.append(f"{root}.{field.name}: {check.resource}:{check.action}")
    assert orphans == []
    assert seen > 50 and len(granted) > 50


MATRIX = "{ permissionMatrix { role resource action } }"


@pytest.mark.policy("P6.1.2")
async def test_permission_matrix_lists_the_live_grants(gql, person):
    """The matrix shown is the one in force: the declared defaults (authz/grants/*.csv), then
    exactly what an admin's change made of them, and the change takes effect."""
    admin, auditor, checker = await person("admin"), await person("auditor"), await person("admin")

    async def shown() -> set[tuple[str, str, str]]:
        reply = await gql(MATRIX, token=admin.token)
        assert reply.errors == []
        return {(r["role"], r["resource"], r["action"]) for r in reply.data["permissionMatrix"]}

    declared = {(r.role, r.resource, r.action) for r in default_rules()}
    assert len(declared) > 50 and await shown() == declared
    revoke = {"role": "auditor", "resource": "audit_log", "action": "read", "granted": False}
    assert (await set_grant(gql, revoke, admin, checker))["errors"] == []
    grant = {"role": "finance", "resource": "audit_log", "action": "read", "granted": True}
    assert (await set_grant(gql, grant, admin, checker))["errors"] == []
    expected = declared - {("auditor", "audit_log", "read")} | {("finance", "audit_log", "read")}
    assert await shown() == expected
    log_query = "{ auditLog(first: 1) { totalCount } }"
    assert (await gql(log_query, token=auditor.token)).error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["booking_agent", "cs_rep", "finance"])
async def test_permission_matrix_is_refused_to_other_roles(gql, person, role):
    someone = await person(role)
    assert (await gql(MATRIX, token=someone.token)).error_codes == ["FORBIDDEN"]


async def test_anonymous_caller_is_unauthenticated_not_forbidden(gql):
    assert (await gql(MATRIX)).error_codes == ["UNAUTHENTICATED"]


SET_GRANT = """
mutation($role: String!, $resource: String!, $action: String!, $granted: Boolean!) {
  setRoleGrant(input: {role: $role, resource: $resource, action: $action, granted: $granted,
                       reason: "finance needs to read the audit trail for the year-end"}) {
    rule { role resource action }
    authorizationChange { role granted reason filedWithHr }
    pendingOperation { id argumentsDigest status }
    errors { field code }
  }
}"""


async def set_grant(gql, variables: dict, maker, checker) -> dict:
    """Ask for a grant change as `maker`; a second admin confirms it (P6.2.3)."""
    asked = (await gql(SET_GRANT, variables, token=maker.token)).data["setRoleGrant"]
    assert asked["errors"] == [] and asked["authorizationChange"] is None
    assert asked["pendingOperation"]["status"] == "PENDING"
    return await confirm_through_api(gql, asked["pendingOperation"], checker.token)


@pytest.mark.policy("P4.1.5")
@pytest.mark.policy("P6.2.3")
async def test_admin_changes_a_grant_which_takes_effect_audited_and_filed_with_hr(gql, person):
    admin, finance, checker = await person("admin"), await person("finance"), await person("admin")
    log_query = "{ auditLog(first: 1) { totalCount } }"
    assert (await gql(log_query, token=finance.token)).error_codes == ["FORBIDDEN"]
    grant = {"role": "finance", "resource": "audit_log", "action": "read", "granted": True}
    asked = (await gql(SET_GRANT, grant, token=admin.token)).data["setRoleGrant"]
    assert (await gql(log_query, token=finance.token)).error_codes == ["FORBIDDEN"]  # not yet
    confirmed = await confirm_through_api(gql, asked["pendingOperation"], checker.token)
    assert confirmed["errors"] == [] and confirmed["operation"]["status"] == "EXECUTED"
    assert (await gql(log_query, token=finance.token)).errors == []
    filed = await AuthorizationChange.get(role="finance", resource="audit_log")
    assert filed.changed_by_id == admin.account.id and filed.granted is True
    assert await AuditEntry.filter(action="setRoleGrant", outcome="SUCCESS").count() == 1
    assert await AuditEntry.filter(action="confirmOperation", outcome="SUCCESS").count() == 1
    # Revoking takes effect too, and a revoked default is not re-added by a later sync.
    revoke = {"role": "finance", "resource": "audit_log", "action": "read", "granted": False}
    assert (await set_grant(gql, revoke, admin, checker))["errors"] == []
    assert (await gql(log_query, token=finance.token)).error_codes == ["FORBIDDEN"]


@pytest.mark.parametrize("role", ["director", "hr", "auditor"])
async def test_only_admin_changes_grants(gql, person, role):
    someone = await person(role)
    reply = await gql(
        SET_GRANT,
        {"role": role, "resource": "audit_log", "action": "read", "granted": True},
        token=someone.token,
    )
    assert reply.error_codes == ["FORBIDDEN"]
    assert await AuthorizationChange.all().count() == 0
    assert await AuditEntry.filter(action="setRoleGrant", outcome="DENIED").count() == 1


async def test_revoked_default_grant_survives_resync(person):
    from authz import matrix

    admin = await person("admin")
    rule = matrix.Rule("auditor", "audit_log", "read")
    await matrix.apply_grant(admin.account.id, rule, False, "test")
    await matrix.sync_defaults()
    assert rule not in await matrix.live_rules()


async def test_a_grant_change_needs_a_reason_and_a_full_rule(gql, person):
    admin = await person("admin")
    query = """mutation($reason: String!, $action: String!) {
      setRoleGrant(input: {role: "finance", resource: "audit_log", action: $action,
                           granted: true, reason: $reason}) { errors { field code } } }"""
    no_reason = await gql(query, {"reason": " ", "action": "read"}, token=admin.token)
    assert no_reason.data["setRoleGrant"]["errors"] == [{"field": "reason", "code": "REQUIRED"}]
    no_action = await gql(query, {"reason": "audit", "action": " "}, token=admin.token)
    assert no_action.data["setRoleGrant"]["errors"][0]["code"] == "REQUIRED"
    assert await AuthorizationChange.all().count() == 0


async def test_processes_starting_together_both_record_the_default_grants():
    """`hotel serve --workers 2` on a new database: both processes add the default grants at
    the same moment. Neither start fails (one did, with a unique-constraint error), every grant
    is there once, and both bumps of the matrix version count."""
    import asyncio

    from authz import matrix
    from domain.models import AuthzVersion, RoleGrant

    await RoleGrant.all().delete()
    await AuthzVersion.all().delete()
    added = await asyncio.gather(matrix.sync_defaults(), matrix.sync_defaults())
    assert added == [len(matrix.default_rules())] * 2  # both saw none and both tried
    assert await RoleGrant.all().count() == len(matrix.default_rules())
    assert await matrix.current_version() == 2
