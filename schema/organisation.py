"""Organisation fields of the root types (P1.1, P2.1-P2.6, P7.1.2)."""

from __future__ import annotations

import strawberry

from resolvers import organisation as org
from schema.permissions import requires
from schema.types.organisation import (
    AssessmentPayload,
    Department,
    DepartmentPayload,
    Employee,
    EmployeePayload,
    OrganisationChart,
    Project,
    ProjectPayload,
    PromotionPayload,
    RotationPlan,
    RotationPlanPayload,
)
from schema.types.relay import Connection


@strawberry.type
class OrganisationQuery:
    departments: list[Department] = strawberry.field(
        resolver=org.list_departments, extensions=[requires("department", "read")]
    )
    organisation_chart: OrganisationChart | None = strawberry.field(
        resolver=org.organisation_chart,
        extensions=[requires("department", "read")],
        description="A department's people as a tree: director, supervisors, their staff.",
    )
    employees: Connection[Employee] = strawberry.field(
        resolver=org.list_employees, extensions=[requires("employee", "read")]
    )
    rotation_plans: Connection[RotationPlan] = strawberry.field(
        resolver=org.list_rotation_plans, extensions=[requires("rotation", "read")]
    )
    projects: Connection[Project] = strawberry.field(
        resolver=org.list_projects, extensions=[requires("project", "read")]
    )


@strawberry.type
class OrganisationMutation:
    hire_employee: EmployeePayload = strawberry.mutation(
        resolver=org.hire_employee, extensions=[requires("employee", "hire")]
    )
    end_employment: EmployeePayload = strawberry.mutation(
        resolver=org.end_employment, extensions=[requires("employee", "end")]
    )
    set_headcount_cap: DepartmentPayload = strawberry.mutation(
        resolver=org.set_headcount_cap, extensions=[requires("department", "set_cap")]
    )
    record_capability_assessment: AssessmentPayload = strawberry.mutation(
        resolver=org.record_capability_assessment, extensions=[requires("employee", "assess")]
    )
    record_performance_review: AssessmentPayload = strawberry.mutation(
        resolver=org.record_performance_review, extensions=[requires("employee", "assess")]
    )
    propose_promotion: PromotionPayload = strawberry.mutation(
        resolver=org.propose_promotion, extensions=[requires("employee", "promote")]
    )
    plan_rotation: RotationPlanPayload = strawberry.mutation(
        resolver=org.plan_rotation, extensions=[requires("rotation", "plan")]
    )
    complete_rotation: RotationPlanPayload = strawberry.mutation(
        resolver=org.complete_rotation, extensions=[requires("rotation", "plan")]
    )
    create_project: ProjectPayload = strawberry.mutation(
        resolver=org.create_project, extensions=[requires("project", "manage")]
    )
    set_project_interface: ProjectPayload = strawberry.mutation(
        resolver=org.set_project_interface, extensions=[requires("project", "manage")]
    )
