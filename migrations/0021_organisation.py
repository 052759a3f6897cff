"""The organisation as records (P1.1, P2.1-P2.6, P7.1.2): departments, groups, positions,
employment records, assessments, promotions, rotation plans, projects and their interface
persons. The declared departments, groups and positions are written here (a frozen copy of
`domain.organisation.structure.STRUCTURE` as it was), so budgets and disputes find the same codes
as records."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


# (code, name, groups, positions (code, name, level, heads, roles)) as of this migration.
STRUCTURE = [
    ("BOOKING_CRM", "Booking & Customer Relationship",
     [("SALES_OPERATIONS", "Sales operations"), ("CUSTOMER_SERVICE", "Customer service")],
     [("BOOKING_SPECIALIST", "Booking specialist", 1, False, ["booking_agent"]),
      ("CS_REPRESENTATIVE", "Customer service representative", 1, False, ["cs_rep"]),
      ("DATA_ANALYST", "Data analyst", 1, False, ["data_analyst"]),
      ("SUPERVISOR", "Supervisor", 2, True, ["supervisor"]),
      ("DIRECTOR", "Department director", 3, False, ["director"])]),
    ("MARKETING", "Marketing", [],
     [("MARKETING_SPECIALIST", "Marketing specialist", 1, False, ["data_analyst"])]),
    ("FINANCE", "Finance", [],
     [("FINANCE_OFFICER", "Finance officer", 1, False, ["finance"]),
      ("FINANCE_MANAGER", "Finance manager", 2, True, ["finance"])]),
    ("ENGINEERING", "Engineering", [],
     [("ENGINEER", "Engineer", 1, False, ["tech_lead"]),
      ("TECHNICAL_LEAD", "Technical lead", 2, True, ["tech_lead"])]),
    ("HR", "Human Resources", [],
     [("HR_OFFICER", "HR officer", 1, False, ["hr"]),
      ("HR_MANAGER", "HR manager", 2, True, ["hr"])]),
    ("OPERATIONS", "Operations", [],
     [("LEGAL_COUNSEL", "Legal counsel", 1, False, ["legal"]),
      ("INTERNAL_AUDITOR", "Internal auditor", 1, False, ["auditor"]),
      ("SYSTEM_ADMINISTRATOR", "System administrator", 1, False, ["admin"]),
      ("PR_OFFICER", "Public relations officer", 1, False, ["pr"]),
      ("OPERATIONS_COMMITTEE", "Operations committee member", 3, True, ["committee"])]),
]


async def write_structure(apps, editor) -> None:
    if editor.collect_sql:
        return
    client = editor.client
    postgres = client.capabilities.dialect == "postgres"

    def marks(n: int) -> str:
        return ", ".join(f"${i}" if postgres else "?" for i in range(1, n + 1))

    async def one(sql: str, values: list):
        rows = await client.execute_query_dict(sql, values)
        return rows[0]["id"] if rows else None

    now = utcnow()
    for order, (code, name, groups, positions) in enumerate(STRUCTURE):
        department = await one('SELECT "id" FROM "org_department" WHERE "code" = ' + marks(1), [code])
        if department is None:
            await client.execute_query(
                'INSERT INTO "org_department" ("created_at", "code", "name", "sort_order") '
                f"VALUES ({marks(4)})",
                [now, code, name, order],
            )
            department = await one('SELECT "id" FROM "org_department" WHERE "code" = ' + marks(1), [code])
        for group_code, group_name in groups:
            await client.execute_query(
                'INSERT INTO "org_group" ("created_at", "department_id", "code", "name") '
                f"VALUES ({marks(4)})",
                [now, department, group_code, group_name],
            )
        for p_code, p_name, level, heads, roles in positions:
            await client.execute_query(
                'INSERT INTO "org_position" ("created_at", "code", "department_id", "name", '
                f'"level", "heads_department", "roles") VALUES ({marks(7)})',
                [now, p_code, department, p_name, level, heads, dumps(roles)],
            )


class Migration(migrations.Migration):
    dependencies = [('models', '0020_observability')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('code', fields.CharField(unique=True, max_length=24)),
                ('name', fields.CharField(max_length=120)),
                ('headcount_cap', fields.IntField(null=True)),
                ('sort_order', fields.IntField(default=0)),
            ],
            options={'table': 'org_department', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A department, known by the code budgets and disputes store (BOOKING_CRM, FINANCE, ...).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='OrgGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='groups', on_delete=OnDelete.RESTRICT)),
                ('code', fields.CharField(max_length=32)),
                ('name', fields.CharField(max_length=120)),
            ],
            options={'table': 'org_group', 'app': 'models', 'unique_together': (('department', 'code'),), 'pk_attr': 'id', 'table_description': 'A group inside a department (sales operations, customer service), headed by a'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Position',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('code', fields.CharField(unique=True, max_length=40)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='positions', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=120)),
                ('level', fields.IntField()),
                ('heads_department', fields.BooleanField(default=False)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'org_position', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A position of a department: its level on the ladder (1 front line, 2 supervisor or'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Employment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(unique=True)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='employees', on_delete=OnDelete.RESTRICT)),
                ('group', fields.ForeignKeyField('models.OrgGroup', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='employees', on_delete=OnDelete.RESTRICT)),
                ('position', fields.ForeignKeyField('models.Position', source_field='position_id', db_constraint=True, to_field='id', related_name='holders', on_delete=OnDelete.RESTRICT)),
                ('supervisor', fields.ForeignKeyField('models.Employment', source_field='supervisor_id', null=True, db_constraint=True, to_field='id', related_name='reports', on_delete=OnDelete.RESTRICT)),
                ('hired_on', fields.DateField()),
                ('learning_ends_on', fields.DateField()),
                ('active', fields.BooleanField(default=True, db_index=True)),
                ('years_experience', fields.IntField(default=0)),
                ('qualifications', fields.TextField(default='', unique=False)),
                ('interview_notes', fields.TextField(default='', unique=False)),
                ('hired_by_account_id', fields.IntField(null=True)),
                ('over_cap_operation_id', fields.IntField(null=True)),
            ],
            options={'table': 'org_employment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An employment record: who, where, which position, to whom they report, when they were'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='EmployeeAssessment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('employment', fields.ForeignKeyField('models.Employment', source_field='employment_id', db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=12)),
                ('target_position', fields.ForeignKeyField('models.Position', source_field='target_position_id', null=True, db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.RESTRICT)),
                ('passed', fields.BooleanField(null=True)),
                ('rating', fields.DecimalField(null=True, max_digits=3, decimal_places=1)),
                ('period', fields.CharField(default='', max_length=40)),
                ('notes', fields.TextField(default='', unique=False)),
                ('recorded_by_account_id', fields.IntField()),
                ('used_by_promotion_id', fields.IntField(null=True)),
            ],
            options={'table': 'org_assessment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A capability assessment (for a target position: passed or not) or a performance review'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Project',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('lead_department', fields.ForeignKeyField('models.Department', source_field='lead_department_id', db_constraint=True, to_field='id', related_name='led_projects', on_delete=OnDelete.RESTRICT)),
                ('created_by_account_id', fields.IntField()),
            ],
            options={'table': 'org_project', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A cross-department project: the lead department leads, the others cooperate (P1.1).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProjectInterface',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('project', fields.ForeignKeyField('models.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='interfaces', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('models.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='project_interfaces', on_delete=OnDelete.RESTRICT)),
                ('employment', fields.ForeignKeyField('models.Employment', source_field='employment_id', db_constraint=True, to_field='id', related_name='interfaces', on_delete=OnDelete.RESTRICT)),
            ],
            options={'table': 'org_project_interface', 'app': 'models', 'unique_together': (('project', 'department'),), 'pk_attr': 'id', 'table_description': 'The one named contact of a department in a project (P7.1.2).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Promotion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('employment', fields.ForeignKeyField('models.Employment', source_field='employment_id', db_constraint=True, to_field='id', related_name='promotions', on_delete=OnDelete.RESTRICT)),
                ('from_position', fields.ForeignKeyField('models.Position', source_field='from_position_id', db_constraint=True, to_field='id', related_name='promotions_from', on_delete=OnDelete.RESTRICT)),
                ('to_position', fields.ForeignKeyField('models.Position', source_field='to_position_id', db_constraint=True, to_field='id', related_name='promotions_to', on_delete=OnDelete.RESTRICT)),
                ('capability_id', fields.IntField()),
                ('performance_id', fields.IntField()),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=12)),
                ('operation_id', fields.IntField(null=True)),
                ('proposed_by_account_id', fields.IntField()),
                ('reason', fields.TextField(default='', unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'org_promotion', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A promotion one level up the ladder, proposed with a passed capability assessment and a'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='RotationPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('employment', fields.ForeignKeyField('models.Employment', source_field='employment_id', db_constraint=True, to_field='id', related_name='rotations', on_delete=OnDelete.RESTRICT)),
                ('due_on', fields.DateField(db_index=True)),
                ('to_department_code', fields.CharField(default='', max_length=24)),
                ('to_group_code', fields.CharField(default='', max_length=32)),
                ('cross_department', fields.BooleanField(default=False)),
                ('priority', fields.BooleanField(default=False)),
                ('status', fields.CharField(default='PLANNED', db_index=True, max_length=12)),
                ('note', fields.TextField(default='', unique=False)),
                ('planned_by_account_id', fields.IntField(null=True)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'org_rotation_plan', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A planned internal rotation of one person (every two years, P2.6), with its due date,'},
            bases=['TimestampedModel'],
        ),
        ops.RunPython(write_structure, ops.RunPython.noop),
    ]
