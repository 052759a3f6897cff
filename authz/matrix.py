"""The permission matrix (P6.1.2): default grants shipped in `grants/*.csv`, the live matrix in
the `role_grant` table, and changes to it filed with HR (P4.1.5).

A change names a cell of the matrix the service knows: a staff role, a caller kind (guest,
partner, anonymous) or a partner scope, and a resource and action the shipped grants use (the
code checks no others). Anything else would be a grant that guards nothing, so it is refused.
A change is a high-risk operation: it applies only once a second person confirms it (P6.2.3,
`domain.dual_review`)."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from tortoise.expressions import F

from authz.identity import ANONYMOUS_ROLE, GUEST_ROLE, PARTNER_ROLE, STAFF_ROLES
from authz.tokens import KNOWN_SCOPES
from domain import dual_review
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import AuthorizationChange, AuthzVersion, PendingOperation, RoleGrant

GRANTS_DIR = Path(__file__).with_name("grants")


@dataclass(frozen=True, order=True)
class Rule:
    role: str
    resource: str
    action: str


def default_rules() -> list[Rule]:
    rules: set[Rule] = set()
    for path in sorted(GRANTS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.reader(line for line in handle if not line.lstrip().startswith("#")):
                if not row or not "".join(row).strip():
                    continue
                role, resource, action = (cell.strip() for cell in row)
                rules.add(Rule(role, resource, action))
    return sorted(rules)


async def sync_defaults() -> int:
    """Add default grants that the database has never recorded (granted or revoked)."""
    known = {
        (g.role, g.resource, g.action)
        for g in await RoleGrant.all().only("role", "resource", "action")
    }
    missing = [r for r in default_rules() if (r.role, r.resource, r.action) not in known]
    if missing:
        # Processes starting together (`hotel serve --workers N`) may add the same grants at
        # once: the unique (role, resource, action) keeps one of each, and neither start fails.
        await RoleGrant.bulk_create(
            [RoleGrant(role=r.role, resource=r.resource, action=r.action) for r in missing],
            ignore_conflicts=True,
        )
        await bump_version()
    return len(missing)


async def live_rules() -> list[Rule]:
    rows = await RoleGrant.filter(granted=True).order_by("role", "resource", "action")
    return [Rule(r.role, r.resource, r.action) for r in rows]


async def current_version() -> int:
    row = await AuthzVersion.get_or_none(id=1)
    return row.version if row else 0


async def bump_version() -> None:
    """One more version, atomically: the row is created once whoever comes first, and each
    bump adds one in the database, so concurrent bumps are all counted."""
    await AuthzVersion.bulk_create([AuthzVersion(id=1, version=0)], ignore_conflicts=True)
    await AuthzVersion.filter(id=1).update(version=F("version") + 1)


def known_roles() -> tuple[str, ...]:
    return (
        *STAFF_ROLES,
        GUEST_ROLE,
        PARTNER_ROLE,
        ANONYMOUS_ROLE,
        *(f"scope:{scope}" for scope in KNOWN_SCOPES),
    )


@functools.cache
def _shipped_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    shipped = default_rules()
    return frozenset(r.resource for r in shipped), frozenset(r.action for r in shipped)


def check_rule(rule: Rule) -> None:
    """Refuse a cell the service does not know (INVALID on the field that names it)."""
    if not (rule.role and rule.resource and rule.action):
        raise DomainError(ErrorCode.REQUIRED, "Role, resource and action are required.", "role")
    resources, actions = _shipped_vocabulary()
    if rule.role not in known_roles():
        raise DomainError(ErrorCode.INVALID, "There is no such role.", "role")
    if rule.resource not in resources:
        raise DomainError(ErrorCode.INVALID, "There is no such resource.", "resource")
    if rule.action not in actions:
        raise DomainError(ErrorCode.INVALID, "There is no such action.", "action")


async def set_grant(actor: Actor, rule: Rule, granted: bool, reason: str) -> PendingOperation:
    """Request a grant or revocation of one cell (call in an audited transaction). It is
    applied only after a second person confirms (P6.2.3): `apply_grant` runs then."""
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the grant changes.", "reason")
    check_rule(rule)
    verb = "Grant" if granted else "Revoke"
    return await dual_review.request(
        actor,
        "role_grant.set",
        {
            "role": rule.role,
            "resource": rule.resource,
            "action": rule.action,
            "granted": granted,
            "reason": reason.strip(),
            "changed_by_id": actor.account_id,
        },
        summary=f"{verb} {rule.resource}:{rule.action} to {rule.role}: {reason.strip()}",
        permissions=[("permission_matrix", "update")],
        subject_type="RoleGrant",
        subject_id=f"{rule.role}:{rule.resource}:{rule.action}",
    )


@dual_review.operation("role_grant.set")
async def _run_grant(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    rule = Rule(args["role"], args["resource"], args["action"])
    change = await apply_grant(args["changed_by_id"], rule, args["granted"], args["reason"])
    return {"authorizationChangeId": change.id}


async def apply_grant(
    changed_by_id: int | None, rule: Rule, granted: bool, reason: str
) -> AuthorizationChange:
    """Grant or revoke one cell at once and file the change with HR. Only for the
    dual-review runner and for setting up a fresh database."""
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the grant changes.", "reason")
    check_rule(rule)
    existing = await RoleGrant.get_or_none(
        role=rule.role, resource=rule.resource, action=rule.action
    )
    if existing is None:
        await RoleGrant.create(
            role=rule.role,
            resource=rule.resource,
            action=rule.action,
            granted=granted,
            updated_at=clock.now(),
        )
    else:
        existing.granted = granted
        existing.updated_at = clock.now()
        await existing.save(update_fields=["granted", "updated_at"])
    await bump_version()
    return await AuthorizationChange.create(
        changed_by_id=changed_by_id,
        role=rule.role,
        resource=rule.resource,
        action=rule.action,
        granted=granted,
        reason=reason.strip(),
    )
