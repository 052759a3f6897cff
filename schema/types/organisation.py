"""The organisation's GraphQL types (P1.1, P2.1-P2.6, P7.1.2): departments with their groups,
positions and heads, the organisation chart, employment records, assessments, promotions,
rotation plans and cross-department projects with their interface persons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.clock import clock
from schema.loaders.organisation import (
    department_details_loader,
    employee_details_loader,
    project_interfaces_loader,
    structure_loader,
)
from schema.types.dual_review import PendingOperation
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_by_id, viewer_of_account
from schema.types.mapping import from_row


@strawberry.type
class Position:
    code: str
    name: str
    level: int = strawberry.field(
        description="Its step on the ladder: 1 front line, 2 supervisor or manager, 3 director."
    )
    heads_department: bool
    roles: list[str] = strawberry.field(
        description="The staff roles of the permission matrix the position carries."
    )

    @classmethod
    def of(cls, row) -> Position:
        return from_row(cls, row, roles=list(row.roles or []))


@strawberry.type
class OrgGroup:
    code: str
    name: str


@strawberry.type
class Department:
    code: str
    name: str
    headcount_cap: int | None = strawberry.field(
        description="The cap in force: the department's own, else headcount_cap for "
        "BOOKING_CRM; null when uncapped (P2.3)."
    )
    own_headcount_cap: int | None = strawberry.field(
        description="The cap HR set for the department, if any."
    )
    pk: strawberry.Private[int]

    @strawberry.field(description="Active employees.")
    async def headcount(self, info: strawberry.Info) -> int:
        return (await department_details_loader(info).load(self.pk)).headcount

    @strawberry.field
    async def groups(self, info: strawberry.Info) -> list[OrgGroup]:
        structure = await structure_loader(info).load("all")
        return [
            OrgGroup(code=g.code, name=g.name)
            for g in structure.groups.values()
            if g.department_id == self.pk
        ]

    @strawberry.field
    async def positions(self, info: strawberry.Info) -> list[Position]:
        structure = await structure_loader(info).load("all")
        rows = [p for p in structure.positions.values() if p.department_id == self.pk]
        return [Position.of(p) for p in sorted(rows, key=lambda p: (p.level, p.id))]

    @strawberry.field(
        description="Who heads the department: the active holders of its heading positions."
    )
    async def heads(self, info: strawberry.Info) -> list[Viewer]:
        found = await department_details_loader(info).load(self.pk)
        return [viewer_of_account(a) for a in found.heads]

    @classmethod
    def of(cls, row, cap: int | None) -> Department:
        return cls(
            code=row.code,
            name=row.name,
            headcount_cap=cap,
            own_headcount_cap=row.headcount_cap,
            pk=row.id,
        )


@strawberry.type
class HiringCriteria:
    years_of_experience: int
    qualifications: str
    interview_notes: str


@strawberry.type
class Promotion:
    from_position: str
    to_position: str
    status: str = strawberry.field(description="PENDING, DONE, REJECTED or EXPIRED.")
    reason: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    operation_id: strawberry.ID | None = strawberry.field(
        description="The pending operation a second person confirms (dual review)."
    )

    @classmethod
    def of(cls, row, positions: dict) -> Promotion:
        return from_row(
            cls,
            row,
            from_position=positions[row.from_position_id].code,
            to_position=positions[row.to_position_id].code,
            operation_id=(
                None
                if row.operation_id is None
                else strawberry.ID(relay.to_base64("PendingOperation", row.operation_id))
            ),
        )


@strawberry.type
class Employee(relay.Node):
    id: relay.NodeID[int]
    hired_on: dt.date
    learning_ends_on: dt.date = strawberry.field(
        description="End of the basic-position learning period (P2.6)."
    )
    active: bool
    account_id: strawberry.Private[int]
    department_id: strawberry.Private[int]
    group_id: strawberry.Private[int | None]
    position_id: strawberry.Private[int]
    supervisor_id: strawberry.Private[int | None]
    criteria: strawberry.Private[HiringCriteria | None]

    @strawberry.field
    def in_learning_period(self) -> bool:
        return clock.today() < self.learning_ends_on

    @strawberry.field
    async def person(self, info: strawberry.Info) -> Viewer | None:
        return await viewer_by_id(info, self.account_id)

    @strawberry.field
    async def department(self, info: strawberry.Info) -> str:
        structure = await structure_loader(info).load("all")
        return structure.departments[self.department_id].code

    @strawberry.field
    async def group(self, info: strawberry.Info) -> str | None:
        if self.group_id is None:
            return None
        structure = await structure_loader(info).load("all")
        return structure.groups[self.group_id].code

    @strawberry.field
    async def position(self, info: strawberry.Info) -> Position:
        structure = await structure_loader(info).load("all")
        return Position.of(structure.positions[self.position_id])

    @strawberry.field(description="The person this employee reports to.")
    async def supervisor(self, info: strawberry.Info) -> Viewer | None:
        found = await employee_details_loader(info).load(self.id)
        return found.supervisor and viewer_of_account(found.supervisor)

    @strawberry.field(description="The active employees who report to this one.")
    async def reports(self, info: strawberry.Info) -> list[Viewer]:
        found = await employee_details_loader(info).load(self.id)
        return [viewer_of_account(a) for a in found.reports]

    @strawberry.field
    async def promotions(self, info: strawberry.Info) -> list[Promotion]:
        found = await employee_details_loader(info).load(self.id)
        structure = await structure_loader(info).load("all")
        return [Promotion.of(p, structure.positions) for p in found.promotions]

    @strawberry.field(
        description="Recorded with the hire (P2.4); shown to HR and the director only."
    )
    def hiring_criteria(self) -> HiringCriteria | None:
        return self.criteria

    @classmethod
    def of(cls, row, *, full: bool) -> Employee:
        criteria = (
            HiringCriteria(
                years_of_experience=row.years_experience,
                qualifications=row.qualifications,
                interview_notes=row.interview_notes,
            )
            if full
            else None
        )
        return from_row(cls, row, criteria=criteria)


@strawberry.type
class ChartLine:
    depth: int = strawberry.field(description="0 for the top of the department.")
    employee_id: strawberry.ID
    person: Viewer
    position: Position
    group: str | None
    supervisor: Viewer | None


@strawberry.type
class OrganisationChart:
    department: Department
    lines: list[ChartLine] = strawberry.field(
        description="Everyone active in the department, each followed by their reports."
    )


@strawberry.type
class Assessment:
    kind: str = strawberry.field(description="CAPABILITY or PERFORMANCE.")
    target_position: str | None
    passed: bool | None
    rating: Decimal | None
    period: str
    notes: str
    created_at: dt.datetime


@strawberry.type
class RotationPlan(relay.Node):
    id: relay.NodeID[int]
    due_on: dt.date
    to_department: str | None
    to_group: str | None
    cross_department: bool
    priority: bool = strawberry.field(
        description="A top performer: priority for cross-department training (P2.6)."
    )
    status: str = strawberry.field(description="PLANNED, DONE or CANCELLED.")
    note: str
    reminded_at: dt.datetime | None
    employment_id: strawberry.Private[int]

    @strawberry.field
    async def employee(self, info: strawberry.Info) -> Viewer | None:
        found = await employee_details_loader(info).load(self.employment_id)
        return found.person and viewer_of_account(found.person)

    @classmethod
    def of(cls, row) -> RotationPlan:
        return from_row(
            cls,
            row,
            to_department=row.to_department_code or None,
            to_group=row.to_group_code or None,
        )


@strawberry.type
class ProjectInterface:
    department: str
    employee_id: strawberry.ID
    person: Viewer | None


@strawberry.type
class Project(relay.Node):
    id: relay.NodeID[int]
    name: str
    description: str
    created_at: dt.datetime
    lead_department_id: strawberry.Private[int]

    @strawberry.field(description="The department that leads; the others cooperate (P1.1).")
    async def lead_department(self, info: strawberry.Info) -> str:
        structure = await structure_loader(info).load("all")
        return structure.departments[self.lead_department_id].code

    @strawberry.field(description="One named contact per department (P7.1.2).")
    async def interfaces(self, info: strawberry.Info) -> list[ProjectInterface]:
        found = await project_interfaces_loader(info).load(self.id)
        structure = await structure_loader(info).load("all")
        return [
            ProjectInterface(
                department=structure.departments[row.department_id].code,
                employee_id=strawberry.ID(relay.to_base64("Employee", row.employment_id)),
                person=account and viewer_of_account(account),
            )
            for row, account in found
        ]

    @classmethod
    def of(cls, row) -> Project:
        return from_row(cls, row)


# ---- inputs and payloads -------------------------------------------------------------------


@strawberry.input
class EmployeeFilter:
    department: str | None = None
    group: str | None = None
    position: str | None = None
    include_inactive: bool = False


@strawberry.input
class HireEmployeeInput:
    account_id: relay.GlobalID = strawberry.field(description="The StaffAccount hired.")
    department: str
    position: str
    hired_on: dt.date
    years_of_experience: int = strawberry.field(description="Years of hotel experience (P2.4).")
    interview_notes: str
    qualifications: str = strawberry.field(
        default="", description="English certificate, service qualification (preferred, P2.4)."
    )
    group: str | None = None
    supervisor_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Employee this person reports to."
    )
    over_cap_reason: str | None = strawberry.field(
        default=None,
        description="Over the headcount cap: why; the hire then waits for a second HR member.",
    )


@strawberry.input
class EndEmploymentInput:
    employee_id: relay.GlobalID
    reason: str


@strawberry.type
class EmployeePayload:
    employee: Employee | None = None
    pending_operation: PendingOperation | None = strawberry.field(
        default=None,
        description="Set when the hire waits for a second HR member (over the cap, P2.3).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetHeadcountCapInput:
    department: str
    cap: int | None = strawberry.field(description="Null returns to the default.")
    reason: str


@strawberry.type
class DepartmentPayload:
    department: Department | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordCapabilityAssessmentInput:
    employee_id: relay.GlobalID
    target_position: str
    passed: bool
    notes: str


@strawberry.input
class RecordPerformanceReviewInput:
    employee_id: relay.GlobalID
    rating: Decimal = strawberry.field(description="From 1 to 5.")
    period: str = strawberry.field(description="The period reviewed, e.g. 2026-H2.")
    notes: str = ""


@strawberry.type
class AssessmentPayload:
    assessment: Assessment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ProposePromotionInput:
    employee_id: relay.GlobalID
    to_position: str
    reason: str
    supervisor_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="Who they report to afterwards (default: their supervisor's supervisor "
        "when the supervisor would not be higher any more).",
    )


@strawberry.type
class PromotionPayload:
    promotion: Promotion | None = None
    pending_operation: PendingOperation | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class PlanRotationInput:
    employee_id: relay.GlobalID
    due_on: dt.date | None = strawberry.field(
        default=None, description="Default: rotation_interval_months after the hire or the last "
        "rotation."
    )
    to_department: str | None = None
    to_group: str | None = None
    cross_department: bool = False
    note: str = ""


@strawberry.input
class CompleteRotationInput:
    plan_id: relay.GlobalID


@strawberry.input
class RotationPlanFilter:
    status: str | None = "PLANNED"
    due_before: dt.date | None = None


@strawberry.type
class RotationPlanPayload:
    rotation_plan: RotationPlan | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ProjectInterfaceInput:
    department: str
    employee_id: relay.GlobalID


@strawberry.input
class CreateProjectInput:
    name: str
    lead_department: str
    interfaces: list[ProjectInterfaceInput]
    description: str = ""


@strawberry.input
class SetProjectInterfaceInput:
    project_id: relay.GlobalID
    department: str
    employee_id: relay.GlobalID


@strawberry.type
class ProjectPayload:
    project: Project | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
