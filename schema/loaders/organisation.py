"""Per-request dataloaders of the organisation (ARCHITECTURE.md, No N+1): the structure
(departments, groups, positions: small tables) loads once per request; a page of employees loads
its supervisors, reports, promotions and the people of all of them in one batch; a page of
departments its headcounts and heads; a page of projects its interface persons."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from strawberry.dataloader import DataLoader

from domain.models import Account, Department, Employment, OrgGroup, Position, Promotion
from domain.organisation import employees, projects, promotions


@dataclass(frozen=True)
class Structure:
    departments: dict[int, Department]
    groups: dict[int, OrgGroup]
    positions: dict[int, Position]


def structure_loader(info: strawberry.Info) -> DataLoader:
    async def load(keys: list[str]):
        found = Structure(
            {d.id: d for d in await Department.all()},
            {g.id: g for g in await OrgGroup.all()},
            {p.id: p for p in await Position.all()},
        )
        return [found for _ in keys]

    return info.context.loader("organisation.structure", lambda: DataLoader(load_fn=load))


@dataclass
class EmployeeDetails:
    person: Account | None = None
    supervisor: Account | None = None
    reports: list[Account] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)


def employee_details_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        rows = await employees.employments_by_id(ids)
        supervisors = await employees.employments_by_id(
            [r.supervisor_id for r in rows.values() if r.supervisor_id]
        )
        reports = await employees.reports_of(ids)
        promoted = await promotions.promotions_of(ids)
        wanted = {r.account_id for r in rows.values()}
        wanted |= {s.account_id for s in supervisors.values()}
        wanted |= {r.account_id for found in reports.values() for r in found}
        people = {a.id: a for a in await Account.filter(id__in=sorted(wanted) or [0])}
        answers = []
        for i in ids:
            row = rows.get(i)
            if row is None:
                answers.append(EmployeeDetails())
                continue
            boss = supervisors.get(row.supervisor_id) if row.supervisor_id else None
            answers.append(
                EmployeeDetails(
                    person=people.get(row.account_id),
                    supervisor=boss and people.get(boss.account_id),
                    reports=[people[r.account_id] for r in reports[i] if r.account_id in people],
                    promotions=promoted[i],
                )
            )
        return answers

    return info.context.loader("organisation.employees", lambda: DataLoader(load_fn=load))


@dataclass(frozen=True)
class DepartmentDetails:
    headcount: int
    heads: list[Account]


def department_details_loader(info: strawberry.Info) -> DataLoader:
    async def load(ids: list[int]):
        counts = await employees.headcounts(ids)
        heads = await Employment.filter(
            department_id__in=ids or [0], active=True, position__heads_department=True
        ).order_by("id")
        people = {
            a.id: a
            for a in await Account.filter(
                id__in=[h.account_id for h in heads] or [0], is_active=True
            )
        }
        return [
            DepartmentDetails(
                counts.get(i, 0),
                [
                    people[h.account_id]
                    for h in heads
                    if h.department_id == i and h.account_id in people
                ],
            )
            for i in ids
        ]

    return info.context.loader("organisation.departments", lambda: DataLoader(load_fn=load))


def project_interfaces_loader(info: strawberry.Info) -> DataLoader:
    """Each project's interfaces with the account of each interface person."""

    async def load(ids: list[int]):
        found = await projects.interfaces_of(ids)
        rows = await employees.employments_by_id(
            [r.employment_id for found_rows in found.values() for r in found_rows]
        )
        people = {
            a.id: a
            for a in await Account.filter(id__in=[r.account_id for r in rows.values()] or [0])
        }
        return [
            [
                (
                    r,
                    people.get(rows[r.employment_id].account_id)
                    if r.employment_id in rows
                    else None,
                )
                for r in found[i]
            ]
            for i in ids
        ]

    return info.context.loader("organisation.projects", lambda: DataLoader(load_fn=load))
