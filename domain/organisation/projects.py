"""Cross-department projects and their interface persons (P7.1.2, P1.1): a project names its
lead department ("the lead department leads, assisting departments cooperate") and exactly one
contact for each department taking part, an active employee of that department. The lead
department always has one."""

from __future__ import annotations

from dataclasses import dataclass

from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.models import Employment, Project, ProjectInterface
from domain.organisation.employees import _text
from domain.organisation.structure import department_named

MAX_NAME = 200
MAX_INTERFACES = 10


@dataclass(frozen=True)
class InterfaceSpec:
    department: str
    employment_id: int


async def _interface_person(department_id: int, employment_id: int, field: str) -> Employment:
    person = await Employment.get_or_none(id=employment_id, active=True)
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "The interface person is not an employee.", field)
    if person.department_id != department_id:
        raise DomainError(
            ErrorCode.INVALID,
            "The interface person of a department belongs to that department.",
            field,
        )
    return person


async def create(
    actor: Actor,
    name: str,
    description: str,
    lead_department: str,
    interfaces: list[InterfaceSpec],
) -> Project:
    clean = _text(name, "name", required="Name the project.")
    if len(clean) > MAX_NAME:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", "name")
    lead = await department_named(lead_department, "leadDepartment")
    if not 2 <= len(interfaces) <= MAX_INTERFACES:
        raise DomainError(
            ErrorCode.INVALID,
            "A cross-department project names one interface person for each of at least two "
            "departments.",
            "interfaces",
        )
    chosen = []
    for index, spec in enumerate(interfaces):
        department = await department_named(spec.department, f"interfaces.{index}.department")
        if department.id in {d.id for d, _ in chosen}:
            raise DomainError(
                ErrorCode.DUPLICATE,
                "Each department names one interface person.",
                f"interfaces.{index}.department",
            )
        person = await _interface_person(
            department.id, spec.employment_id, f"interfaces.{index}.employeeId"
        )
        chosen.append((department, person))
    if lead.id not in {d.id for d, _ in chosen}:
        raise DomainError(
            ErrorCode.REQUIRED, "The lead department names its interface person too.", "interfaces"
        )
    project = await Project.create(
        name=clean,
        description=_text(description, "description"),
        lead_department_id=lead.id,
        created_by_account_id=actor.account_id,
    )
    for department, person in chosen:
        await ProjectInterface.create(
            project_id=project.id, department_id=department.id, employment_id=person.id
        )
    return project


async def set_interface(
    actor: Actor, project_id: int, department_code: str, employment_id: int
) -> Project:
    """Name (or replace) a department's one interface person in a project."""
    project = await Project.get_or_none(id=project_id)
    if project is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such project.", "projectId")
    department = await department_named(department_code)
    person = await _interface_person(department.id, employment_id, "employeeId")
    moved = await ProjectInterface.filter(
        project_id=project.id, department_id=department.id
    ).update(employment_id=person.id)
    if not moved:
        if await ProjectInterface.filter(project_id=project.id).count() >= MAX_INTERFACES:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE, f"At most {MAX_INTERFACES} departments.", "department"
            )
        await ProjectInterface.create(
            project_id=project.id, department_id=department.id, employment_id=person.id
        )
    return project


async def list_projects(*, first: int, after_id: int | None):
    query = Project.all()
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


async def interfaces_of(project_ids: list[int]) -> dict[int, list[ProjectInterface]]:
    found: dict[int, list[ProjectInterface]] = {i: [] for i in project_ids}
    rows = await ProjectInterface.filter(project_id__in=list(set(project_ids)) or [0]).order_by(
        "id"
    )
    for row in rows:
        found[row.project_id].append(row)
    return found
