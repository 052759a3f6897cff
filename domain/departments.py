"""Which department a staff member belongs to, who supervises them and who heads a department
(P1.1, P2.1, P7.2.4).

The organisation area keeps departments, positions and reporting lines as records
(`domain.organisation`): `department_of_account` and `supervisor_of` read the employment records,
and `heads_of` answers the active holders of the positions that head the department when the
department has any, falling back to the role mapping below otherwise (an installation whose
organisation is not recorded yet, and tests that do not record one). `department_of(roles)`
stays the roles-only answer for callers that hold roles and no account. The department codes
are the same (FINANCE, ENGINEERING, ...), so nothing stored changes.

The booking & customer-relationship department holds the director, its supervisors, booking
specialists, customer-service representatives and data analysts (P2.1); marketing is part of it
(P1.1). Each other department is known by the role its people hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.models import Account, Employment
from domain.notifications import staff_with_roles

BOOKING_CRM = "BOOKING_CRM"
DEPARTMENT_OF_ROLE = {
    "director": BOOKING_CRM,
    "supervisor": BOOKING_CRM,
    "booking_agent": BOOKING_CRM,
    "cs_rep": BOOKING_CRM,
    "data_analyst": BOOKING_CRM,
    "finance": "FINANCE",
    "tech_lead": "ENGINEERING",
    "hr": "HR",
    "legal": "OPERATIONS",
    "auditor": "OPERATIONS",
    "committee": "OPERATIONS",
    "admin": "OPERATIONS",
    "pr": "OPERATIONS",
}
# Who heads each department in a dispute or a joint meeting (P7.2.4 "both supervisors").
HEAD_ROLES = {
    BOOKING_CRM: ("supervisor",),
    "FINANCE": ("finance",),
    "ENGINEERING": ("tech_lead",),
    "HR": ("hr",),
    "OPERATIONS": ("committee",),
}


def department_of(roles: Iterable[str]) -> str | None:
    """The department of the first role that names one (the staff member's main role)."""
    for role in roles or ():
        if role in DEPARTMENT_OF_ROLE:
            return DEPARTMENT_OF_ROLE[role]
    return None


async def heads_of(department: str | None) -> list[int]:
    """Account ids of the active staff who head `department`: from the employment records when
    the department has heads there, else from the roles."""
    if department:
        recorded = await _recorded_heads(department)
        if recorded:
            return recorded
    roles = HEAD_ROLES.get(department or "")
    return await staff_with_roles(*roles) if roles else []


async def _recorded_heads(department: str) -> list[int]:
    ids = await Employment.filter(
        active=True, department__code=department, position__heads_department=True
    ).values_list("account_id", flat=True)
    if not ids:
        return []
    active = await Account.filter(id__in=list(ids), is_active=True).values_list("id", flat=True)
    return sorted(active)


async def department_of_account(account_id: int | None) -> str | None:
    """The department code of the account's active employment record, else of its roles."""
    if account_id is None:
        return None
    found = await Employment.filter(account_id=account_id, active=True).values_list(
        "department__code", flat=True
    )
    if found:
        return found[0]
    account = await Account.get_or_none(id=account_id)
    return department_of(account.roles) if account else None


async def supervisor_of(account_id: int | None) -> int | None:
    """The account id of the person the account reports to (its employment record's
    supervisor), or None when it has no record or reports to nobody."""
    if account_id is None:
        return None
    found = await Employment.filter(
        account_id=account_id, active=True, supervisor_id__isnull=False
    ).values_list("supervisor__account_id", flat=True)
    return found[0] if found else None
