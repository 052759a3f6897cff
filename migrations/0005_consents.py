"""The consent ledger and the current consent per person and purpose (P6.1.3), and members'
birthdays (month and day) for birthday care (P3.1.11)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_languages')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConsentRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('subject_key', fields.CharField(db_index=True, max_length=24)),
                ('account_id', fields.IntField(null=True)),
                ('member_id', fields.IntField(null=True)),
                ('purpose', fields.CharField(max_length=24)),
                ('granted', fields.BooleanField()),
                ('notice_version', fields.CharField(max_length=40)),
                ('channel', fields.CharField(max_length=16)),
                ('recorded_by_account_id', fields.IntField(null=True)),
                ('request_id', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'consent_record', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One grant or withdrawal, never changed afterwards: the evidence of what a person agreed'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ConsentState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('subject_key', fields.CharField(max_length=24)),
                ('account_id', fields.IntField(null=True, db_index=True)),
                ('member_id', fields.IntField(null=True, db_index=True)),
                ('purpose', fields.CharField(max_length=24)),
                ('granted', fields.BooleanField()),
                ('notice_version', fields.CharField(max_length=40)),
                ('channel', fields.CharField(max_length=16)),
                ('changed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'consent_state', 'app': 'models', 'unique_together': (('subject_key', 'purpose'),), 'pk_attr': 'id', 'table_description': 'The current answer per person and purpose (the latest ledger row), kept in step with the'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Member',
            name='birth_day',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Member',
            name='birth_month',
            field=fields.SmallIntField(null=True),
        ),
    ]
