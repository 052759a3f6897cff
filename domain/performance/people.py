"""Who is assessed in which team and who supervises whom (P5.1).

The sales team are the booking specialists, customer service the representatives, technical
support Engineering (the technical leads). A colleague's supervisors are the heads of their
department, or the directors when no one heads it; a department's heads answer to the
directors, and the directors to no one here. Departments and their heads are read only through
`domain.departments` (`department_of`, `heads_of`), so when that module reads real reporting
lines this one follows without change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain import departments
from domain.models import Account
from domain.notifications import staff_with_roles


class Team(StrEnum):
    SALES = "SALES"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    TECHNICAL_SUPPORT = "TECHNICAL_SUPPORT"


TEAM_ROLES = {
    Team.SALES: "booking_agent",
    Team.CUSTOMER_SERVICE: "cs_rep",
    Team.TECHNICAL_SUPPORT: "tech_lead",
}


async def team_members(team: Team) -> list[int]:
    return sorted(await staff_with_roles(TEAM_ROLES[team]))


@dataclass(frozen=True)
class Staff:
    """Every active staff member with their department and supervisors (a fixed handful of
    queries, whatever the head count)."""

    department: dict[int, str | None]
    supervisors: dict[int, set[int]]

    def team_of(self, supervisor_id: int) -> set[int]:
        return {who for who, heads in self.supervisors.items() if supervisor_id in heads}


async def staff() -> Staff:
    people = await Account.filter(kind="STAFF", is_active=True).only("id", "roles")
    department = {a.id: departments.department_of(a.roles or []) for a in people}
    heads = {d: set(await departments.heads_of(d)) for d in set(department.values()) if d}
    directors = set(await staff_with_roles("director"))
    supervisors: dict[int, set[int]] = {}
    for who, dept in department.items():
        if who in directors:
            supervisors[who] = set()  # the top of the line: no one assesses a director
        elif who in heads.get(dept, set()):
            supervisors[who] = directors  # a department's head answers to the directors
        else:
            supervisors[who] = heads.get(dept, set()) or directors
    return Staff(department=department, supervisors=supervisors)


async def supervisors_of(account_id: int) -> set[int]:
    return (await staff()).supervisors.get(account_id, set())
