"""Budgets and settlement with Finance (P4.1.3, P1.1): monthly budget lines, the amounts
spending approvals hold on them, and the ledger of booking payments, deposits and refunds."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0013_authority")]

    initial = False

    operations = [
        ops.CreateModel(
            name='Budget',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('department', fields.CharField(max_length=40)),
                ('category', fields.CharField(max_length=60)),
                ('month', fields.DateField()),
                ('declared', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('committed', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ('spent', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
                ('currency', fields.CharField(max_length=3)),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=10)),
                ('reason', fields.TextField(default='', unique=False)),
                ('approval_id', fields.IntField(null=True)),
                ('declared_by_account_id', fields.IntField(null=True)),
                ('activated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'budget', 'app': 'models', 'unique_together': (('department', 'category', 'month'),), 'pk_attr': 'id', 'table_description': 'One budget line: what a department may spend on a category in a month (month is the'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='BudgetCommitment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('budget', fields.ForeignKeyField('models.Budget', source_field='budget_id', db_constraint=True, to_field='id', related_name='commitments', on_delete=OnDelete.RESTRICT)),
                ('approval_id', fields.IntField(unique=True)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('status', fields.CharField(default='COMMITTED', db_index=True, max_length=10)),
                ('over_budget', fields.BooleanField(default=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'budget_commitment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The amount one spending approval holds on a budget line: COMMITTED while the request'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LedgerEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('booking', fields.ForeignKeyField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(db_index=True, max_length=10)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('currency', fields.CharField(max_length=3)),
                ('method', fields.CharField(max_length=20)),
                ('reference', fields.CharField(max_length=80)),
                ('refund', fields.OneToOneField('models.Refund', source_field='refund_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entry', on_delete=OnDelete.RESTRICT)),
                ('business_date', fields.DateField(db_index=True)),
                ('recorded_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'ledger_entry', 'app': 'models', 'unique_together': (('kind', 'reference'),), 'pk_attr': 'id', 'table_description': 'Money of a booking that moved, as Finance recorded it: PAYMENT and DEPOSIT are received'},
            bases=['TimestampedModel'],
        ),
    ]
