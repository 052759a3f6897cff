"""Staff accounts: created and changed by admin. Every change of someone's roles is a change of
authorisation and is filed with HR (P4.1.5), like a change of the matrix itself, and happens only
after a second person confirms it (P6.2.3 dual review, `domain.dual_review`)."""

from __future__ import annotations

import re

from authz.identity import STAFF_ROLES
from authz.passwords import check_password_strength, hash_new_password
from domain import access, dual_review
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, AuthorizationChange, PendingOperation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(STAFF_ROLES))
    if unknown or not roles:
        raise DomainError(
            ErrorCode.INVALID, f"Roles must be among {', '.join(STAFF_ROLES)}.", "roles"
        )
    return sorted(set(roles))


def _check_password(password: str) -> None:
    check_password_strength(password, "password")


async def _file_role_changes(
    changed_by_id: int, account: Account, before: set[str], after: set[str], reason: str
) -> list[AuthorizationChange]:
    filed = []
    for role, granted in [(r, True) for r in sorted(after - before)] + [
        (r, False) for r in sorted(before - after)
    ]:
        filed.append(
            await AuthorizationChange.create(
                changed_by_id=changed_by_id,
                kind="ROLE_ASSIGNMENT",
                account=account,
                role=role,
                resource="role",
                action="assign",
                granted=granted,
                reason=reason,
            )
        )
    return filed


async def create_staff(
    actor: Actor,
    email: str,
    display_name: str,
    roles: list[str],
    password: str,
    reason: str,
) -> PendingOperation:
    """Request a new staff account with its roles (call in an audited transaction). Giving
    someone roles is a high-risk operation: the account is created once a second person
    confirms (P6.2.3). The password is stored only as its hash, hidden from the checker."""
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise DomainError(ErrorCode.INVALID, "Not a valid e-mail address.", "email")
    if not (display_name or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "A display name is required.", "displayName")
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the account is created.", "reason")
    roles = _check_roles(roles)
    _check_password(password)
    if await Account.filter(email=email).exists():
        raise DomainError(ErrorCode.DUPLICATE, "An account with this e-mail exists.", "email")
    return await dual_review.request(
        actor,
        "staff_account.create",
        {
            "email": email,
            "display_name": display_name.strip(),
            "roles": roles,
            "password_hash": await hash_new_password(password),
            "reason": reason.strip(),
            "changed_by_id": actor.account_id,
        },
        summary=f"Create staff account {email} with roles {', '.join(roles)}: {reason.strip()}",
        permissions=[("staff_account", "create")],
        subject_type="Account",
    )


@dual_review.operation("staff_account.create", hidden=("password_hash",))
async def _run_create(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    if await Account.filter(email=args["email"]).exists():
        raise DomainError(ErrorCode.DUPLICATE, "An account with this e-mail exists.", "email")
    account = await Account.create(
        email=args["email"],
        display_name=args["display_name"],
        kind="STAFF",
        roles=args["roles"],
        password_hash=args["password_hash"],
    )
    await _file_role_changes(
        args["changed_by_id"], account, set(), set(args["roles"]), args["reason"]
    )
    return {"accountId": account.id}


async def update_staff(
    actor: Actor,
    account_id: int,
    *,
    reason: str,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    request_budget: int | None = None,
) -> Account | PendingOperation:
    """Change a staff account (call in an audited transaction). A change of its roles is a
    high-risk operation: the whole update is then stored for a second person to confirm
    (P6.2.3) and the pending operation is returned; other changes apply at once."""
    changed_by_id = actor.account_id
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the account changes.", "reason")
    account = await Account.get_or_none(id=account_id, kind="STAFF")
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such staff account.", "accountId")
    new_roles = None if roles is None else _check_roles(roles)
    _check_update(changed_by_id, account, new_roles, is_active, request_budget)
    if new_roles is None or set(new_roles) == set(account.roles or []):
        return await _apply_update(
            changed_by_id, account, reason.strip(), None, is_active, request_budget
        )
    return await dual_review.request(
        actor,
        "staff_account.update",
        {
            "account_id": account.id,
            "roles": new_roles,
            "is_active": is_active,
            "request_budget": request_budget,
            "reason": reason.strip(),
            "changed_by_id": changed_by_id,
        },
        summary=(
            f"Change the roles of {account.email} from {', '.join(account.roles or [])} "
            f"to {', '.join(new_roles)}: {reason.strip()}"
        ),
        permissions=[("staff_account", "update")],
        subject_type="Account",
        subject_id=account.id,
    )


@dual_review.operation("staff_account.update")
async def _run_update(operation: PendingOperation, checker: Actor) -> dict:
    args = operation.arguments
    account = await Account.get_or_none(id=args["account_id"], kind="STAFF")
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such staff account.", "accountId")
    _check_update(
        args["changed_by_id"], account, args["roles"], args["is_active"], args["request_budget"]
    )
    await _apply_update(
        args["changed_by_id"],
        account,
        args["reason"],
        args["roles"],
        args["is_active"],
        args["request_budget"],
    )
    return {"accountId": account.id, "roles": account.roles}


def _check_update(
    changed_by_id: int | None,
    account: Account,
    roles: list[str] | None,
    is_active: bool | None,
    request_budget: int | None,
) -> None:
    if roles is not None and account.id == changed_by_id and "admin" not in roles:
        raise DomainError(ErrorCode.INVALID, "Admins cannot remove their own admin role.", "roles")
    if is_active is not None and account.id == changed_by_id and not is_active:
        raise DomainError(ErrorCode.INVALID, "Admins cannot disable themselves.", "isActive")
    if request_budget is not None and request_budget < 1:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The budget must be positive.", "requestBudget")


async def _apply_update(
    changed_by_id: int,
    account: Account,
    reason: str,
    roles: list[str] | None,
    is_active: bool | None,
    request_budget: int | None,
) -> Account:
    if roles is not None:
        await _file_role_changes(changed_by_id, account, set(account.roles), set(roles), reason)
        account.roles = roles
    if is_active is not None:
        account.is_active = is_active
    if request_budget is not None:
        account.request_budget = request_budget
    await account.save()
    if is_active is False:
        # Enabling the account again must not bring back the sessions it had.
        await access.end_sessions(account.id)
    # Open sockets of the account re-check it: closed when disabled, current roles otherwise.
    await access.account_changed(account.id)
    return account


async def acknowledge_change(hr_account_id: int, change_id: int) -> AuthorizationChange:
    change = await AuthorizationChange.get_or_none(id=change_id)
    if change is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such authorisation change.", "id")
    if change.hr_acknowledged_at is not None:
        raise DomainError(ErrorCode.ALREADY_DECIDED, "HR already acknowledged this change.", "id")
    change.hr_acknowledged_at = clock.now()
    change.hr_acknowledged_by_id = hr_account_id
    await change.save(update_fields=["hr_acknowledged_at", "hr_acknowledged_by_id"])
    return change


async def set_language(account_id: int | None, language: str) -> Account:
    """Save the language an account reads its messages in (en or zh-CN)."""
    from domain import i18n

    chosen = i18n.normalise(language)
    if account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Only a log-in has a saved language.", "language")
    if chosen is None or len(language) > 35:
        raise DomainError(
            ErrorCode.INVALID, f"Choose one of {', '.join(i18n.SUPPORTED)}.", "language"
        )
    account = await Account.get(id=account_id)
    account.language = chosen
    await account.save(update_fields=["language"])
    # Cached identities carry the language: every process forgets the account's.
    await access.account_changed(account.id)
    return account
