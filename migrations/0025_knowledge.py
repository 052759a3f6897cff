"""Knowledge: notices and their recipients, phone calls, versioned procedures with read receipts,
onboarding plans and learning sessions (P7.1.1, P7.1.4, P7.1.5, P8.6)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from domain.personal_data.fields import EncryptedTextField
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0024_performance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('sent_by_account_id', fields.IntField(db_index=True)),
                ('audience', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('by_email', fields.BooleanField(default=True)),
                ('recipient_count', fields.IntField(default=0)),
            ],
            options={'table': 'notice', 'app': 'models', 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'A notice a staff member sent to departments, roles or named staff, in the app and (when'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='NoticeRecipient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('notice', fields.ForeignKeyField('models.Notice', source_field='notice_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('account_id', fields.IntField(db_index=True)),
                ('outbox_event_id', fields.IntField(null=True)),
            ],
            options={'table': 'notice_recipient', 'app': 'models', 'unique_together': (('notice', 'account_id'),), 'pk_attr': 'id', 'table_description': 'One staff member a notice reached, with the outbox event of its e-mail (if any).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='OnboardingPlan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(unique=True)),
                ('starts_on', fields.DateField()),
                ('due_on', fields.DateField()),
                ('required_minutes', fields.IntField()),
                ('logged_minutes', fields.IntField(default=0)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'onboarding_plan', 'app': 'models', 'pk_attr': 'id', 'table_description': "A new staff member's online learning target (P7.1.4): the hours due by the end of the"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PhoneCall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('caller_account_id', fields.IntField(null=True, db_index=True)),
                ('caller_name', EncryptedTextField(null=True, unique=False)),
                ('callee_account_id', fields.IntField(null=True, db_index=True)),
                ('callee_name', EncryptedTextField(null=True, unique=False)),
                ('called_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('subject', EncryptedTextField(unique=False)),
                ('outcome', EncryptedTextField(unique=False)),
                ('emergency', fields.BooleanField(default=True)),
                ('recorded_by_account_id', fields.IntField(db_index=True)),
            ],
            options={'table': 'phone_call', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A telephone call of an emergency, recorded after it: who called whom, when, about what'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Procedure',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=200)),
                ('current_version', fields.IntField(default=1)),
                ('scope', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'procedure', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A standard operating procedure of the knowledge base: its current version and whom it'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='LearningSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(db_index=True)),
                ('procedure', fields.ForeignKeyField('models.Procedure', source_field='procedure_id', db_constraint=True, to_field='id', related_name='learning', on_delete=OnDelete.RESTRICT)),
                ('studied_on', fields.DateField()),
                ('minutes', fields.IntField()),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'learning_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Time a staff member spent learning one knowledge-base procedure on one day.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProcedureRead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('procedure', fields.ForeignKeyField('models.Procedure', source_field='procedure_id', db_constraint=True, to_field='id', related_name='reads', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField()),
                ('account_id', fields.IntField(db_index=True)),
            ],
            options={'table': 'procedure_read', 'app': 'models', 'unique_together': (('procedure', 'version', 'account_id'),), 'pk_attr': 'id', 'table_description': 'That a staff member read (acknowledged) one version of a procedure.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ProcedureVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('procedure', fields.ForeignKeyField('models.Procedure', source_field='procedure_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField()),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('change_summary', fields.TextField(unique=False)),
                ('published_by_account_id', fields.IntField()),
            ],
            options={'table': 'procedure_version', 'app': 'models', 'unique_together': (('procedure', 'version'),), 'pk_attr': 'id', 'table_description': 'One published version of a procedure, kept and readable after newer ones.'},
            bases=['TimestampedModel'],
        ),
    ]
