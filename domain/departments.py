"""Which department a staff member belongs to and who heads it, read from their roles (P1.1,
P2.1, P7.2.4). A stand-in until the organisation area keeps departments, positions and
reporting lines as records: then `department_of` and `heads_of` read those instead, and the
department codes stay the same (FINANCE, ENGINEERING, ...), so nothing stored changes.

The booking & customer-relationship department holds the director, its supervisors, booking
specialists, customer-service representatives and data analysts (P2.1); marketing is part of it
(P1.1). Each other department is known by the role its people hold.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    "pr": "PR",
}
# Who heads each department in a dispute or a joint meeting (P7.2.4 "both supervisors").
HEAD_ROLES = {
    BOOKING_CRM: ("supervisor",),
    "FINANCE": ("finance",),
    "ENGINEERING": ("tech_lead",),
    "HR": ("hr",),
    "OPERATIONS": ("committee",),
    "PR": ("pr",),
}


def department_of(roles: Iterable[str]) -> str | None:
    """The department of the first role that names one (the staff member's main role)."""
    for role in roles or ():
        if role in DEPARTMENT_OF_ROLE:
            return DEPARTMENT_OF_ROLE[role]
    return None


async def heads_of(department: str | None) -> list[int]:
    """Account ids of the active staff who head `department`."""
    roles = HEAD_ROLES.get(department or "")
    return await staff_with_roles(*roles) if roles else []
