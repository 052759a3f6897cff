"""Crisis decision groups, their members and the acts done under their authority (P4.1.4)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0015_loyalty")]

    initial = False

    operations = [
        ops.CreateModel(
            name='CrisisGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(unique=False)),
                ('matters', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('convened_by_account_id', fields.IntField()),
                ('status', fields.CharField(default='ACTIVE', db_index=True, max_length=12)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_by_account_id', fields.IntField(null=True)),
                ('end_reason', fields.TextField(default='', unique=False)),
                ('document_id', fields.IntField(null=True)),
            ],
            options={'table': 'crisis_group', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A temporary decision group convened by a director for named matters until it expires or'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CrisisAction',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('group', fields.ForeignKeyField('models.CrisisGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='actions', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField()),
                ('actor_name', fields.CharField(default='', max_length=200)),
                ('action', fields.CharField(max_length=64)),
                ('subject_type', fields.CharField(max_length=40)),
                ('subject_id', fields.CharField(max_length=64)),
                ('role', fields.CharField(max_length=32)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'crisis_action', 'app': 'models', 'pk_attr': 'id', 'table_description': "One act a member did under the group's authority: what, on which record, as which role."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CrisisMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('group', fields.ForeignKeyField('models.CrisisGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField(db_index=True)),
                ('role', fields.CharField(max_length=32)),
            ],
            options={'table': 'crisis_member', 'app': 'models', 'unique_together': (('group', 'account_id'),), 'pk_attr': 'id', 'table_description': 'A member of a crisis group and the role they sit in it for.'},
            bases=['TimestampedModel'],
        ),
    ]
