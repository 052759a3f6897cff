"""Crisis decision groups (P4.1.4): a director convenes a temporary group (director, supervisor,
technical lead) for named matters; while it is active its members decide those matters as the
highest authority, every such act tagged with the group in the audit trail; it ends by decision
or on expiry (an idempotent job) and its record is archived as a tier 3 work record."""

from domain.crisis.authority import (
    CrisisAuthority,
    authority_for,
    kinds_decided_by,
    members_deciding,
)
from domain.crisis.groups import (
    COMPOSITION,
    CrisisGroupFilter,
    CrisisStatus,
    actions_of,
    convene,
    dissolve,
    expire_due,
    is_active,
    list_groups,
    members_of,
    pending_for,
    visible_to,
)

__all__ = [
    "COMPOSITION",
    "CrisisAuthority",
    "CrisisGroupFilter",
    "CrisisStatus",
    "actions_of",
    "authority_for",
    "convene",
    "dissolve",
    "expire_due",
    "is_active",
    "kinds_decided_by",
    "list_groups",
    "members_deciding",
    "members_of",
    "pending_for",
    "visible_to",
]
