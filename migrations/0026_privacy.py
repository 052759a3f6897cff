from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from domain.personal_data.fields import EncryptedJSONField
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0025_knowledge')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DataSubjectRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(db_index=True, max_length=12)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=20)),
                ('subject_account_id', fields.IntField(db_index=True)),
                ('filed_by_account_id', fields.IntField(null=True, db_index=True)),
                ('channel', fields.CharField(default='SELF', max_length=8)),
                ('verification', fields.TextField(default='', unique=False)),
                ('corrections', EncryptedJSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_by_account_id', fields.IntField(null=True)),
                ('outcome_code', fields.CharField(default='', max_length=40)),
                ('outcome', fields.TextField(default='', unique=False)),
                ('document_id', fields.IntField(null=True)),
                ('pending_operation_id', fields.IntField(null=True)),
                ('retained', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'data_subject_request', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One request of a guest about their own data: EXPORT, CORRECTION or DELETION, filed by'},
            bases=['TimestampedModel'],
        ),
    ]
