"""Staff accounts: created and changed by admin. Every change of someone's roles is a change of
authorisation and is filed with HR (P4.1.5), like a change of the matrix itself."""

from __future__ import annotations

import re

from authz.identity import STAFF_ROLES
from authz.passwords import check_password_strength, hash_new_password
from domain.broker import announce_access_change
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import Account, AuthorizationChange
from domain.unit_of_work import when_committed

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
    changed_by_id: int, email: str, display_name: str, roles: list[str], password: str, reason: str
) -> Account:
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
    account = await Account.create(
        email=email,
        display_name=display_name.strip(),
        kind="STAFF",
        roles=roles,
        password_hash=await hash_new_password(password),
    )
    await _file_role_changes(changed_by_id, account, set(), set(roles), reason.strip())
    return account


async def update_staff(
    changed_by_id: int,
    account_id: int,
    *,
    reason: str,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    request_budget: int | None = None,
) -> Account:
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the account changes.", "reason")
    account = await Account.get_or_none(id=account_id, kind="STAFF")
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such staff account.", "accountId")
    if roles is not None:
        new_roles = _check_roles(roles)
        if account_id == changed_by_id and "admin" not in new_roles:
            raise DomainError(
                ErrorCode.INVALID, "Admins cannot remove their own admin role.", "roles"
            )
        await _file_role_changes(
            changed_by_id, account, set(account.roles), set(new_roles), reason.strip()
        )
        account.roles = new_roles
    if is_active is not None:
        if account_id == changed_by_id and not is_active:
            raise DomainError(ErrorCode.INVALID, "Admins cannot disable themselves.", "isActive")
        account.is_active = is_active
    if request_budget is not None:
        if request_budget < 1:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, "The budget must be positive.", "requestBudget"
            )
        account.request_budget = request_budget
    await account.save()
    # Open sockets of the account re-check it: closed when disabled, current roles otherwise.
    await when_committed(lambda: announce_access_change(f"account:{account.id}"))
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
    return account
