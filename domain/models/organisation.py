"""The hotel's organisation as records (P1.1, P2.1-P2.6, P7.1.2): departments and their groups,
positions on the promotion ladder with the staff roles they carry, employment records with
their reporting lines, assessments and performance reviews, promotions, rotation plans and
cross-department projects with their interface persons."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class Department(TimestampedModel):
    """A department, known by the code budgets and disputes store (BOOKING_CRM, FINANCE, ...).
    headcount_cap null means the policy parameter headcount_cap for BOOKING_CRM and no cap
    for the others."""

    code = fields.CharField(max_length=24, unique=True)
    name = fields.CharField(max_length=120)
    headcount_cap = fields.IntField(null=True)
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "org_department"


class OrgGroup(TimestampedModel):
    """A group inside a department (sales operations, customer service), headed by a
    supervisor."""

    department = fields.ForeignKeyField(
        "models.Department", related_name="groups", on_delete=fields.RESTRICT
    )
    code = fields.CharField(max_length=32)
    name = fields.CharField(max_length=120)

    class Meta:
        table = "org_group"
        unique_together = (("department", "code"),)


class Position(TimestampedModel):
    """A position of a department: its level on the ladder (1 front line, 2 supervisor or
    manager, 3 director), whether its holders head the department, and the staff roles of the
    permission matrix it carries."""

    code = fields.CharField(max_length=40, unique=True)
    department = fields.ForeignKeyField(
        "models.Department", related_name="positions", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=120)
    level = fields.IntField()
    heads_department = fields.BooleanField(default=False)
    roles = fields.JSONField(default=list)

    class Meta:
        table = "org_position"


class Employment(TimestampedModel):
    """An employment record: who, where, which position, to whom they report, when they were
    hired and until when they learn the basic position, with the hiring criteria recorded."""

    account_id = fields.IntField(unique=True)
    department = fields.ForeignKeyField(
        "models.Department", related_name="employees", on_delete=fields.RESTRICT
    )
    group = fields.ForeignKeyField(
        "models.OrgGroup", related_name="employees", null=True, on_delete=fields.RESTRICT
    )
    position = fields.ForeignKeyField(
        "models.Position", related_name="holders", on_delete=fields.RESTRICT
    )
    supervisor = fields.ForeignKeyField(
        "models.Employment", related_name="reports", null=True, on_delete=fields.RESTRICT
    )
    hired_on = fields.DateField()
    learning_ends_on = fields.DateField()
    active = fields.BooleanField(default=True, db_index=True)
    years_experience = fields.IntField(default=0)
    qualifications = fields.TextField(default="")
    interview_notes = fields.TextField(default="")
    hired_by_account_id = fields.IntField(null=True)
    over_cap_operation_id = fields.IntField(null=True)

    class Meta:
        table = "org_employment"


class EmployeeAssessment(TimestampedModel):
    """A capability assessment (for a target position: passed or not) or a performance review
    (a rating), recorded by HR or a director, that a promotion names."""

    employment = fields.ForeignKeyField(
        "models.Employment", related_name="assessments", on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=12)  # CAPABILITY | PERFORMANCE
    target_position = fields.ForeignKeyField(
        "models.Position", related_name="assessments", null=True, on_delete=fields.RESTRICT
    )
    passed = fields.BooleanField(null=True)
    rating = fields.DecimalField(max_digits=3, decimal_places=1, null=True)
    period = fields.CharField(max_length=40, default="")
    notes = fields.TextField(default="")
    recorded_by_account_id = fields.IntField()
    used_by_promotion_id = fields.IntField(null=True)

    class Meta:
        table = "org_assessment"


class Promotion(TimestampedModel):
    """A promotion one level up the ladder, proposed with a passed capability assessment and a
    performance review, waiting for a second person (dual review) and then applied."""

    employment = fields.ForeignKeyField(
        "models.Employment", related_name="promotions", on_delete=fields.RESTRICT
    )
    from_position = fields.ForeignKeyField(
        "models.Position", related_name="promotions_from", on_delete=fields.RESTRICT
    )
    to_position = fields.ForeignKeyField(
        "models.Position", related_name="promotions_to", on_delete=fields.RESTRICT
    )
    capability_id = fields.IntField()
    performance_id = fields.IntField()
    status = fields.CharField(max_length=12, default="PENDING", db_index=True)
    operation_id = fields.IntField(null=True)
    proposed_by_account_id = fields.IntField()
    reason = fields.TextField(default="")
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "org_promotion"


class RotationPlan(TimestampedModel):
    """A planned internal rotation of one person (every two years, P2.6), with its due date,
    whether the person has priority for cross-department training, and when HR and the
    supervisor were reminded."""

    employment = fields.ForeignKeyField(
        "models.Employment", related_name="rotations", on_delete=fields.RESTRICT
    )
    due_on = fields.DateField(db_index=True)
    to_department_code = fields.CharField(max_length=24, default="")
    to_group_code = fields.CharField(max_length=32, default="")
    cross_department = fields.BooleanField(default=False)
    priority = fields.BooleanField(default=False)
    status = fields.CharField(max_length=12, default="PLANNED", db_index=True)
    note = fields.TextField(default="")
    planned_by_account_id = fields.IntField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "org_rotation_plan"


class Project(TimestampedModel):
    """A cross-department project: the lead department leads, the others cooperate (P1.1)."""

    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    lead_department = fields.ForeignKeyField(
        "models.Department", related_name="led_projects", on_delete=fields.RESTRICT
    )
    created_by_account_id = fields.IntField()

    class Meta:
        table = "org_project"


class ProjectInterface(TimestampedModel):
    """The one named contact of a department in a project (P7.1.2)."""

    project = fields.ForeignKeyField(
        "models.Project", related_name="interfaces", on_delete=fields.RESTRICT
    )
    department = fields.ForeignKeyField(
        "models.Department", related_name="project_interfaces", on_delete=fields.RESTRICT
    )
    employment = fields.ForeignKeyField(
        "models.Employment", related_name="interfaces", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "org_project_interface"
        unique_together = (("project", "department"),)
