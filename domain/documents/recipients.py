"""Who gets told: the active staff accounts holding given roles (legal reviewers of a new
contract, the owners of a report, the administrators of the archive).

Policy: P7.1.1 (notices reach the people concerned), P6.1.3 (contracts reach legal).
"""

from __future__ import annotations

from domain.models import Account


async def staff_with_roles(*roles: str) -> list[int]:
    wanted = set(roles)
    accounts = await Account.filter(kind="STAFF", is_active=True).only("id", "roles")
    return [a.id for a in accounts if wanted.intersection(a.roles or [])]
