"""The organisation (P1.1, P2.1-P2.6, P7.1.2): departments and the chart for every member of
staff; employment records for HR and the director (supervisors see their own and their direct
reports', everyone else their own); hiring, caps, assessments, promotions and rotation plans for
HR (and the director where the grants say so); projects for management and HR."""

from __future__ import annotations

import strawberry
from strawberry import relay

from authz.enforcer import Access
from domain.errors import DomainError
from domain.models import Account, OrgGroup
from domain.models import Employment as EmploymentRow
from domain.models import Position as PositionRow
from domain.models import Project as ProjectRow
from domain.models import RotationPlan as RotationPlanRow
from domain.organisation import employees, projects, promotions, rotation, structure
from domain.organisation.projects import InterfaceSpec
from resolvers.dual_review import pending_of
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.errors import user_errors
from schema.types.identity import viewer_of_account
from schema.types.organisation import (
    Assessment,
    AssessmentPayload,
    ChartLine,
    CompleteRotationInput,
    CreateProjectInput,
    Department,
    DepartmentPayload,
    Employee,
    EmployeeFilter,
    EmployeePayload,
    EndEmploymentInput,
    HireEmployeeInput,
    OrganisationChart,
    PlanRotationInput,
    Position,
    Project,
    ProjectPayload,
    Promotion,
    PromotionPayload,
    ProposePromotionInput,
    RecordCapabilityAssessmentInput,
    RecordPerformanceReviewInput,
    RotationPlan,
    RotationPlanFilter,
    RotationPlanPayload,
    SetHeadcountCapInput,
    SetProjectInterfaceInput,
)
from schema.types.relay import Connection, paged, parse_global_id


async def _department(row) -> Department:
    return Department.of(row, await structure.cap_of(row))


def _employee_of(info: strawberry.Info, row) -> Employee:
    full = access_of(info, "employee", "read") == Access.ALL
    return Employee.of(row, full=full)


def _full_employee(row) -> Employee:
    return Employee.of(row, full=True)


# ---- queries -------------------------------------------------------------------------------


async def list_departments(info: strawberry.Info) -> list[Department]:
    return [await _department(row) for row in await structure.list_departments()]


async def organisation_chart(info: strawberry.Info, department: str) -> OrganisationChart | None:
    try:
        row, lines = await employees.chart(department)
    except DomainError:
        return None
    people = {
        a.id: a
        for a in await Account.filter(id__in=[e.account_id for _, e in lines] or [0])
    }
    positions = {p.id: p for p in await PositionRow.filter(department_id=row.id)}
    groups = {g.id: g.code for g in await OrgGroup.filter(department_id=row.id)}
    by_id = {e.id: e for _, e in lines}
    chart_lines = []
    for depth, e in lines:
        boss = by_id.get(e.supervisor_id)
        chart_lines.append(
            ChartLine(
                depth=depth,
                employee_id=strawberry.ID(relay.to_base64("Employee", e.id)),
                person=viewer_of_account(people[e.account_id]),
                position=Position.of(positions[e.position_id]),
                group=groups.get(e.group_id),
                supervisor=boss and viewer_of_account(people[boss.account_id]),
            )
        )
    return OrganisationChart(department=await _department(row), lines=chart_lines)


async def list_employees(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: EmployeeFilter | None = None,
) -> Connection[Employee]:
    f = filter or EmployeeFilter()
    own = access_of(info, "employee", "read") == Access.OWN
    wanted = employees.EmployeeFilter(
        department=f.department,
        group=f.group,
        position=f.position,
        active_only=not f.include_inactive,
        visible_to_account=info.context.identity.id if own else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: employees.list_employees(wanted, first=size, after_id=after_id),
        lambda row: _employee_of(info, row),
    )


async def list_rotation_plans(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: RotationPlanFilter | None = None,
) -> Connection[RotationPlan]:
    f = filter or RotationPlanFilter()
    own = access_of(info, "rotation", "read") == Access.OWN
    wanted = rotation.RotationFilter(
        status=(f.status or "").strip().upper() or None,
        due_before=f.due_before,
        visible_to_account=info.context.identity.id if own else None,
    )
    return await paged(
        first,
        after,
        lambda size, after_id: rotation.list_plans(wanted, first=size, after_id=after_id),
        RotationPlan.of,
    )


async def list_projects(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[Project]:
    return await paged(
        first,
        after,
        lambda size, after_id: projects.list_projects(first=size, after_id=after_id),
        Project.of,
    )


# ---- mutations -----------------------------------------------------------------------------


def _gid(value, type_name: str, field: str) -> int | None:
    return None if value is None else parse_global_id(value, type_name, field)


async def hire_employee(info: strawberry.Info, input: HireEmployeeInput) -> EmployeePayload:
    async def work():
        request = employees.HireRequest(
            account_id=parse_global_id(input.account_id, "StaffAccount", "accountId"),
            department=input.department,
            position=input.position,
            hired_on=input.hired_on,
            years_experience=input.years_of_experience,
            qualifications=input.qualifications,
            interview_notes=input.interview_notes,
            group=input.group,
            supervisor_id=_gid(input.supervisor_id, "Employee", "supervisorId"),
            over_cap_reason=input.over_cap_reason,
        )
        return await employees.hire(info.context.actor, request)

    result, errors = await run_audited(info, "hireEmployee", "Employment", work)
    pending = pending_of(info, result)
    employee = None if pending is not None or result is None else _full_employee(result)
    return EmployeePayload(employee=employee, pending_operation=pending, errors=errors)


async def end_employment(info: strawberry.Info, input: EndEmploymentInput) -> EmployeePayload:
    async def work():
        return await employees.end_employment(
            info.context.actor,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
            input.reason,
        )

    row, errors = await run_audited(info, "endEmployment", "Employment", work)
    return EmployeePayload(employee=row and _full_employee(row), errors=errors)


async def set_headcount_cap(
    info: strawberry.Info, input: SetHeadcountCapInput
) -> DepartmentPayload:
    async def work():
        return await employees.set_headcount_cap(
            info.context.actor, input.department, input.cap, input.reason
        )

    row, errors = await run_audited(info, "setHeadcountCap", "Department", work)
    return DepartmentPayload(department=row and await _department(row), errors=errors)


def _assessment(row, target_code: str | None) -> Assessment:
    return Assessment(
        kind=row.kind,
        target_position=target_code,
        passed=row.passed,
        rating=row.rating,
        period=row.period,
        notes=row.notes,
        created_at=row.created_at,
    )


async def record_capability_assessment(
    info: strawberry.Info, input: RecordCapabilityAssessmentInput
) -> AssessmentPayload:
    async def work():
        return await promotions.record_capability(
            info.context.actor,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
            input.target_position,
            input.passed,
            input.notes,
        )

    row, errors = await run_audited(info, "recordCapabilityAssessment", "Employment", work)
    target = row and input.target_position.strip().upper()
    return AssessmentPayload(assessment=row and _assessment(row, target), errors=errors)


async def record_performance_review(
    info: strawberry.Info, input: RecordPerformanceReviewInput
) -> AssessmentPayload:
    async def work():
        return await promotions.record_performance(
            info.context.actor,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
            input.rating,
            input.period,
            input.notes,
        )

    row, errors = await run_audited(info, "recordPerformanceReview", "Employment", work)
    return AssessmentPayload(assessment=row and _assessment(row, None), errors=errors)


async def propose_promotion(
    info: strawberry.Info, input: ProposePromotionInput
) -> PromotionPayload:
    async def work():
        return await promotions.propose(
            info.context.actor,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
            input.to_position,
            input.reason,
            _gid(input.supervisor_id, "Employee", "supervisorId"),
        )

    proposed, errors = await run_audited(info, "proposePromotion", "Promotion", work)
    if proposed is None:
        return PromotionPayload(errors=errors)
    positions = {
        p.id: p
        for p in await PositionRow.filter(
            id__in=[proposed.promotion.from_position_id, proposed.promotion.to_position_id]
        )
    }
    return PromotionPayload(
        promotion=Promotion.of(proposed.promotion, positions),
        pending_operation=pending_of(info, proposed.operation),
    )


async def plan_rotation(info: strawberry.Info, input: PlanRotationInput) -> RotationPlanPayload:
    async def work():
        return await rotation.plan(
            info.context.actor,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
            due_on=input.due_on,
            to_department=input.to_department,
            to_group=input.to_group,
            cross_department=input.cross_department,
            note=input.note,
        )

    row, errors = await run_audited(info, "planRotation", "RotationPlan", work)
    return RotationPlanPayload(rotation_plan=row and RotationPlan.of(row), errors=errors)


async def complete_rotation(
    info: strawberry.Info, input: CompleteRotationInput
) -> RotationPlanPayload:
    async def work():
        return await rotation.complete(
            info.context.actor, parse_global_id(input.plan_id, "RotationPlan", "planId")
        )

    row, errors = await run_audited(info, "completeRotation", "RotationPlan", work)
    return RotationPlanPayload(rotation_plan=row and RotationPlan.of(row), errors=errors)


async def create_project(info: strawberry.Info, input: CreateProjectInput) -> ProjectPayload:
    try:
        specs = [
            InterfaceSpec(
                i.department,
                parse_global_id(i.employee_id, "Employee", f"interfaces.{n}.employeeId"),
            )
            for n, i in enumerate(input.interfaces or [])
        ]
    except DomainError as refusal:
        return ProjectPayload(errors=user_errors(refusal))

    async def work():
        return await projects.create(
            info.context.actor, input.name, input.description, input.lead_department, specs
        )

    row, errors = await run_audited(info, "createProject", "Project", work)
    return ProjectPayload(project=row and Project.of(row), errors=errors)


async def set_project_interface(
    info: strawberry.Info, input: SetProjectInterfaceInput
) -> ProjectPayload:
    async def work():
        return await projects.set_interface(
            info.context.actor,
            parse_global_id(input.project_id, "Project", "projectId"),
            input.department,
            parse_global_id(input.employee_id, "Employee", "employeeId"),
        )

    row, errors = await run_audited(info, "setProjectInterface", "Project", work)
    return ProjectPayload(project=row and Project.of(row), errors=errors)


# ---- nodes ---------------------------------------------------------------------------------


@register("Employee", "employee")
async def _employee_node(info: strawberry.Info, pk: int, access) -> Employee | None:
    row = await EmploymentRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await employees.visible_to(row, info.context.identity.id):
        return None
    return Employee.of(row, full=access == Access.ALL)


@register("RotationPlan", "rotation")
async def _rotation_node(info: strawberry.Info, pk: int, access) -> RotationPlan | None:
    row = await RotationPlanRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN:
        employee = await EmploymentRow.get(id=row.employment_id)
        if not await employees.visible_to(employee, info.context.identity.id):
            return None
    return RotationPlan.of(row)


@register("Project", "project")
async def _project_node(info: strawberry.Info, pk: int, access) -> Project | None:
    row = await ProjectRow.get_or_none(id=pk)
    return row and Project.of(row)

