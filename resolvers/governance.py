"""Policy parameters, the permission matrix, and the audit trail (P0.3, P4.1.5, P6.1.2,
P6.2.2)."""

from __future__ import annotations

import strawberry

from authz import matrix
from domain import audit, policy_params
from domain.models import AuditEntry
from resolvers.dual_review import pending_of
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.governance import (
    AuditChainStatus,
    AuditEntryProblem,
    AuditFilter,
    BrokenAuditEntry,
    PermissionRule,
    PolicyParameter,
    SetPolicyParameterInput,
    SetPolicyParameterPayload,
    SetRoleGrantInput,
    SetRoleGrantPayload,
)
from schema.types.governance import AuditEntry as AuditEntryType
from schema.types.relay import Connection, global_id, paginate


def _parameter(current: policy_params.CurrentValue) -> PolicyParameter:
    p = current.parameter
    return PolicyParameter(
        key=p.key,
        value=policy_params.render(current.value),
        value_type=p.value_type,
        unit=p.unit,
        description=p.description,
        clause=p.clause,
        version=current.version,
        updated_at=current.updated_at,
        default_value=policy_params.render(p.default),
    )


async def policy_parameters(info: strawberry.Info) -> list[PolicyParameter]:
    return [_parameter(c) for c in await policy_params.current_values()]


async def set_policy_parameter(
    info: strawberry.Info, input: SetPolicyParameterInput
) -> SetPolicyParameterPayload:
    async def work():
        return await policy_params.set_parameter(
            info.context.actor, input.key, input.value, input.reason
        )

    pending, errors = await run_audited(
        info, "setPolicyParameter", "PolicyParameter", work, subject_id=input.key
    )
    # P6.2.3: the change is stored for a second person; the parameter is unchanged until then.
    return SetPolicyParameterPayload(pending_operation=pending_of(info, pending), errors=errors)


async def permission_matrix(info: strawberry.Info) -> list[PermissionRule]:
    return [
        PermissionRule(role=r.role, resource=r.resource, action=r.action)
        for r in await matrix.live_rules()
    ]


async def set_role_grant(info: strawberry.Info, input: SetRoleGrantInput) -> SetRoleGrantPayload:
    rule = matrix.Rule(input.role.strip(), input.resource.strip(), input.action.strip())

    async def work():
        return await matrix.set_grant(info.context.actor, rule, input.granted, input.reason)

    pending, errors = await run_audited(
        info,
        "setRoleGrant",
        "RoleGrant",
        work,
        subject_id=f"{rule.role}:{rule.resource}:{rule.action}",
    )
    if errors:
        return SetRoleGrantPayload(errors=errors)
    # P6.2.3: applied (and the enforcer refreshed) once a second person confirms.
    return SetRoleGrantPayload(
        rule=PermissionRule(role=rule.role, resource=rule.resource, action=rule.action),
        pending_operation=pending_of(info, pending),
    )


async def audit_log(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: AuditFilter | None = None,
) -> Connection[AuditEntryType]:
    query = AuditEntry.all()
    if filter is not None:
        conditions = {
            "action": filter.action,
            "actor_id": filter.actor_id,
            "subject_type": filter.subject_type,
            "subject_id": filter.subject_id,
            "outcome": filter.outcome,
            "at__gte": filter.since,
            "at__lt": filter.until,
        }
        query = query.filter(**{k: v for k, v in conditions.items() if v is not None})
    return await paginate(query, first, after, AuditEntryType.of)


def _entry_id(pk: int) -> strawberry.ID:
    return strawberry.ID(str(global_id("AuditEntry", pk)))


async def verify_audit_chain(info: strawberry.Info, full: bool = False) -> AuditChainStatus:
    status = await audit.verify_chain(full=full)
    broken = status.first_broken_entry_id
    return AuditChainStatus(
        ok=status.ok,
        checked_entries=status.checked_entries,
        first_broken_entry_id=None if broken is None else _entry_id(broken),
        reason=status.reason,
        sealed_through=status.sealed_through,
        seals_checked=status.seals_checked,
        broken_seal=status.broken_seal,
        broken_entries=[
            BrokenAuditEntry(
                entry_id=_entry_id(p.entry_id),
                seq=p.entry_id,
                problem=AuditEntryProblem(p.kind),
                moved_from_seq=p.moved_from,
            )
            for p in status.broken_entries
        ],
        gap_count=status.gap_count,
        gaps=list(status.gaps),
    )


@register("AuditEntry", "audit_log")
async def _audit_entry_node(info: strawberry.Info, pk: int, access) -> AuditEntryType | None:
    row = await AuditEntry.get_or_none(id=pk)
    return row and AuditEntryType.of(row)
