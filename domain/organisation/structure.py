"""The hotel's departments, the two groups of the booking & customer-relationship department and
the positions of every department with the staff roles they carry (P1.1, P2.1, P2.2).

The structure is reference data declared here once (`STRUCTURE`) and written by
`ensure_structure()` (idempotent: the migration and the demo seed call it; tests that need it
too). The department codes are exactly the ones budgets and disputes already store
(`domain.finance.departments.DEPARTMENTS`), so no stored row changes meaning.

The ladder of the booking department is specialist (level 1: booking specialist, customer
service representative, data analyst) -> supervisor (2, heads a group) -> director (3) (P2.1,
P2.5). The other departments have a front-line position and a head.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError, ErrorCode
from domain.models import Department, OrgGroup, Position
from domain.policy_params import params

BOOKING_CRM = "BOOKING_CRM"
SALES_OPERATIONS = "SALES_OPERATIONS"
CUSTOMER_SERVICE = "CUSTOMER_SERVICE"


@dataclass(frozen=True)
class PositionSpec:
    code: str
    name: str
    level: int
    roles: tuple[str, ...]
    heads: bool = False


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    groups: tuple[tuple[str, str], ...]
    positions: tuple[PositionSpec, ...]


STRUCTURE: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        BOOKING_CRM,
        "Booking & Customer Relationship",
        ((SALES_OPERATIONS, "Sales operations"), (CUSTOMER_SERVICE, "Customer service")),
        (
            PositionSpec("BOOKING_SPECIALIST", "Booking specialist", 1, ("booking_agent",)),
            PositionSpec("CS_REPRESENTATIVE", "Customer service representative", 1, ("cs_rep",)),
            PositionSpec("DATA_ANALYST", "Data analyst", 1, ("data_analyst",)),
            PositionSpec("SUPERVISOR", "Supervisor", 2, ("supervisor",), heads=True),
            PositionSpec("DIRECTOR", "Department director", 3, ("director",)),
        ),
    ),
    DepartmentSpec(
        "MARKETING",
        "Marketing",
        (),
        (PositionSpec("MARKETING_SPECIALIST", "Marketing specialist", 1, ("data_analyst",)),),
    ),
    DepartmentSpec(
        "FINANCE",
        "Finance",
        (),
        (
            PositionSpec("FINANCE_OFFICER", "Finance officer", 1, ("finance",)),
            PositionSpec("FINANCE_MANAGER", "Finance manager", 2, ("finance",), heads=True),
        ),
    ),
    DepartmentSpec(
        "ENGINEERING",
        "Engineering",
        (),
        (
            PositionSpec("ENGINEER", "Engineer", 1, ("tech_lead",)),
            PositionSpec("TECHNICAL_LEAD", "Technical lead", 2, ("tech_lead",), heads=True),
        ),
    ),
    DepartmentSpec(
        "HR",
        "Human Resources",
        (),
        (
            PositionSpec("HR_OFFICER", "HR officer", 1, ("hr",)),
            PositionSpec("HR_MANAGER", "HR manager", 2, ("hr",), heads=True),
        ),
    ),
    DepartmentSpec(
        "OPERATIONS",
        "Operations",
        (),
        (
            PositionSpec("LEGAL_COUNSEL", "Legal counsel", 1, ("legal",)),
            PositionSpec("INTERNAL_AUDITOR", "Internal auditor", 1, ("auditor",)),
            PositionSpec("SYSTEM_ADMINISTRATOR", "System administrator", 1, ("admin",)),
            # Leads the response to a level-2 incident (P6.2.1).
            PositionSpec("PR_OFFICER", "Public relations officer", 1, ("pr",)),
            PositionSpec(
                "OPERATIONS_COMMITTEE", "Operations committee member", 3, ("committee",),
                heads=True,
            ),
        ),
    ),
)

# Which group of the booking department a front-line position belongs to by default.
GROUP_OF_POSITION = {
    "BOOKING_SPECIALIST": SALES_OPERATIONS,
    "DATA_ANALYST": SALES_OPERATIONS,
    "CS_REPRESENTATIVE": CUSTOMER_SERVICE,
}


async def ensure_structure() -> int:
    """Write the declared departments, groups and positions that are missing (never changes a
    stored cap). Returns how many rows it wrote."""
    written = 0
    existing = {d.code: d for d in await Department.all()}
    groups = {(g.department_id, g.code) for g in await OrgGroup.all()}
    positions = set(await Position.all().values_list("code", flat=True))
    for order, spec in enumerate(STRUCTURE):
        department = existing.get(spec.code)
        if department is None:
            department = await Department.create(code=spec.code, name=spec.name, sort_order=order)
            written += 1
        for code, name in spec.groups:
            if (department.id, code) not in groups:
                await OrgGroup.create(department=department, code=code, name=name)
                written += 1
        for p in spec.positions:
            if p.code not in positions:
                await Position.create(
                    code=p.code,
                    department=department,
                    name=p.name,
                    level=p.level,
                    heads_department=p.heads,
                    roles=list(p.roles),
                )
                written += 1
    return written


async def department_named(code: str | None, field: str = "department") -> Department:
    clean = (code or "").strip().upper()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, "Name the department.", field)
    found = await Department.get_or_none(code=clean[:24])
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such department.", field)
    return found


async def position_named(code: str | None, field: str = "position") -> Position:
    clean = (code or "").strip().upper()
    if not clean:
        raise DomainError(ErrorCode.REQUIRED, "Name the position.", field)
    found = await Position.get_or_none(code=clean[:40])
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such position.", field)
    return found


async def cap_of(department: Department) -> int | None:
    """The department's headcount cap: its own, else headcount_cap for BOOKING_CRM (P2.3)."""
    if department.headcount_cap is not None:
        return department.headcount_cap
    if department.code == BOOKING_CRM:
        return await params.headcount_cap
    return None


async def list_departments() -> list[Department]:
    return await Department.all().order_by("sort_order", "id")


async def groups_of(department_ids: list[int]) -> dict[int, list[OrgGroup]]:
    found: dict[int, list[OrgGroup]] = {i: [] for i in department_ids}
    for row in await OrgGroup.filter(department_id__in=list(set(department_ids))).order_by("id"):
        found[row.department_id].append(row)
    return found


async def positions_of(department_ids: list[int]) -> dict[int, list[Position]]:
    found: dict[int, list[Position]] = {i: [] for i in department_ids}
    rows = await Position.filter(department_id__in=list(set(department_ids))).order_by(
        "level", "id"
    )
    for row in rows:
        found[row.department_id].append(row)
    return found
