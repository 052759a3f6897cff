"""Rewards and penalties (P5.2): the ledger of rewards and penalties, the permanent blacklist
for data falsification and violation cases."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from domain.personal_data.fields import EncryptedTextField
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0026_privacy')]

    initial = False

    operations = [
        ops.CreateModel(
            name='IncentiveEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('staff_account_id', fields.IntField(db_index=True)),
                ('department', fields.CharField(null=True, db_index=True, max_length=20)),
                ('category', fields.CharField(max_length=8)),
                ('kind', fields.CharField(db_index=True, max_length=32)),
                ('status', fields.CharField(db_index=True, max_length=16)),
                ('reason', fields.TextField(default='', unique=False)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
                ('amount', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('currency', fields.CharField(null=True, max_length=3)),
                ('percent', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('basis_kind', fields.CharField(default='OTHER', max_length=16)),
                ('basis_reference', fields.CharField(default='', max_length=200)),
                ('complaint_id', fields.IntField(null=True, db_index=True)),
                ('violation_case_id', fields.IntField(null=True, db_index=True)),
                ('proposed_by_account_id', fields.IntField(null=True)),
                ('decided_by_account_id', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_comment', fields.TextField(default='', unique=False)),
                ('pending_operation_id', fields.IntField(null=True)),
                ('confirmed_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'incentive_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One reward or penalty of a staff member: its kind, reason, period, money (amount and'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='StaffBlacklistEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(null=True, db_index=True)),
                ('display_name', fields.CharField(default='', max_length=120)),
                ('id_document_number', EncryptedTextField(unique=False)),
                ('id_document_index', fields.CharField(db_index=True, max_length=32)),
                ('reason', fields.TextField(unique=False)),
                ('violation_case_id', fields.IntField(null=True)),
                ('decided_by_account_id', fields.IntField()),
            ],
            options={'table': 'staff_blacklist_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A permanent blacklist entry for data falsification (P5.2.4): the person by account and'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ViolationCase',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('staff_account_id', fields.IntField(db_index=True)),
                ('department', fields.CharField(null=True, db_index=True, max_length=20)),
                ('severity', fields.CharField(max_length=10)),
                ('description', fields.TextField(unique=False)),
                ('status', fields.CharField(db_index=True, max_length=12)),
                ('opened_by_account_id', fields.IntField()),
                ('handling_due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('handling_started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('handler_account_id', fields.IntField(null=True)),
                ('handling_note', fields.TextField(default='', unique=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by_account_id', fields.IntField(null=True)),
                ('outcome', fields.CharField(null=True, max_length=16)),
                ('outcome_note', fields.TextField(default='', unique=False)),
                ('penalty_entry_id', fields.IntField(null=True)),
            ],
            options={'table': 'violation_case', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A violation by a staff member whose handling must start by handling_due_at (P5.2.5):'},
            bases=['TimestampedModel'],
        ),
    ]
