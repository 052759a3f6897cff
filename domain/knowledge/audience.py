"""Whom a notice or a procedure concerns: departments, roles and named staff (P7.1.1, P7.1.4).

A department is known by the roles its people hold (`domain.departments`); a staff member is
in an audience when any of their roles names one of its roles or departments, or when they are
named. Membership is decided over the active staff in one query, never per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.departments import DEPARTMENT_OF_ROLE
from domain.errors import DomainError, ErrorCode
from domain.models import Account

DEPARTMENTS = tuple(sorted(set(DEPARTMENT_OF_ROLE.values())))
ROLES = tuple(DEPARTMENT_OF_ROLE)
MAX_NAMED = 200


@dataclass(frozen=True)
class Audience:
    departments: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    accounts: tuple[int, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.departments or self.roles or self.accounts)

    def as_json(self) -> dict:
        return {
            "departments": list(self.departments),
            "roles": list(self.roles),
            "accounts": list(self.accounts),
        }

    @classmethod
    def of_json(cls, value: dict | None) -> Audience:
        value = value or {}
        return cls(
            tuple(value.get("departments") or ()),
            tuple(value.get("roles") or ()),
            tuple(value.get("accounts") or ()),
        )

    def includes(self, account_id: int, roles: list[str] | None) -> bool:
        held = set(roles or ())
        return (
            account_id in self.accounts
            or bool(held & set(self.roles))
            or bool({DEPARTMENT_OF_ROLE.get(r) for r in held} & set(self.departments))
        )


async def parse(
    departments: list[str] | None,
    roles: list[str] | None,
    staff_emails: list[str] | None,
    *,
    field_name: str = "audience",
) -> Audience:
    """An audience from what a caller typed; unknown departments, roles or people are refused."""
    depts = sorted({(d or "").strip().upper() for d in departments or []} - {""})
    unknown = [d for d in depts if d not in DEPARTMENTS]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown department {unknown[0]}: one of {', '.join(DEPARTMENTS)}.",
            field_name,
        )
    wanted_roles = sorted({(r or "").strip().lower() for r in roles or []} - {""})
    unknown = [r for r in wanted_roles if r not in ROLES]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Unknown role {unknown[0]}: one of {', '.join(ROLES)}.",
            field_name,
        )
    emails = sorted({(e or "").strip().lower() for e in staff_emails or []} - {""})
    if len(emails) > MAX_NAMED:
        raise DomainError(ErrorCode.OUT_OF_RANGE, f"Name at most {MAX_NAMED} people.", field_name)
    found = (
        await Account.filter(email__in=emails, kind="STAFF", is_active=True).only("id", "email")
        if emails
        else []
    )
    missing = sorted(set(emails) - {a.email for a in found})
    if missing:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            f"No active staff member has the address {missing[0]}.",
            field_name,
        )
    return Audience(tuple(depts), tuple(wanted_roles), tuple(sorted(a.id for a in found)))


async def active_staff() -> list[Account]:
    """Every active staff member, with what deciding membership needs (one query)."""
    return await Account.filter(kind="STAFF", is_active=True).only(
        "id", "roles", "email", "language", "display_name", "kind"
    )


def members(audience: Audience, staff: list[Account]) -> list[Account]:
    """Who of `staff` is in the audience; everyone when the audience is empty."""
    if audience.empty:
        return list(staff)
    return [a for a in staff if audience.includes(a.id, a.roles)]
