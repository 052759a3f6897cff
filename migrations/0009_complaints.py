"""Complaints, their timeline and their 5+X deadlines (P3.1.6, P3.1.9)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from domain.personal_data.fields import EncryptedTextField
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0008_accounts")]

    initial = False

    operations = [
        ops.CreateModel(
            name='Complaint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('number', fields.CharField(unique=True, max_length=20)),
                ('status', fields.CharField(db_index=True, max_length=12)),
                ('severity', fields.CharField(db_index=True, max_length=10)),
                ('channel', fields.CharField(max_length=10)),
                ('category', fields.CharField(db_index=True, max_length=20)),
                ('description', EncryptedTextField(unique=False)),
                ('contact_name', EncryptedTextField(null=True, unique=False)),
                ('contact_phone', EncryptedTextField(null=True, unique=False)),
                ('booking_id', fields.IntField(null=True, db_index=True)),
                ('member_id', fields.IntField(null=True, db_index=True)),
                ('guest_account_id', fields.IntField(null=True, db_index=True)),
                ('recorded_by_account_id', fields.IntField(null=True, db_index=True)),
                ('owner_account_id', fields.IntField(null=True, db_index=True)),
                ('handler_account_id', fields.IntField(null=True, db_index=True)),
                ('handed_over', fields.BooleanField(default=False)),
                ('supervisor_account_id', fields.IntField(null=True)),
                ('supervisor_joined_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('filed_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('respond_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolve_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('first_response_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('first_response_seconds', fields.IntField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by_account_id', fields.IntField(null=True)),
                ('resolution', EncryptedTextField(null=True, unique=False)),
                ('first_contact_resolved', fields.BooleanField(default=False)),
                ('reopen_count', fields.IntField(default=0)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('satisfaction_score', fields.IntField(null=True)),
                ('satisfaction_comment', EncryptedTextField(null=True, unique=False)),
                ('rated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('version', fields.IntField(default=1)),
            ],
            options={'table': 'complaint', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A guest complaint. owner_account_id is the staff member who first took it and stays'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ComplaintDeadline',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='deadlines', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=10)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('warn_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('warned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('met', fields.BooleanField(null=True)),
            ],
            options={'table': 'complaint_deadline', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A deadline of a complaint (RESPOND or RESOLVE) swept by a worker job: a warning at'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ComplaintEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('complaint', fields.ForeignKeyField('models.Complaint', source_field='complaint_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=20)),
                ('actor_account_id', fields.IntField(null=True)),
                ('actor_role', fields.CharField(default='', max_length=20)),
                ('to_account_id', fields.IntField(null=True)),
                ('note', EncryptedTextField(null=True, unique=False)),
                ('internal', fields.BooleanField(default=False)),
            ],
            options={'table': 'complaint_event', 'app': 'models', 'pk_attr': 'id', 'table_description': "One step of a complaint's timeline: filed, taken, responded, handed over, supervisor"},
            bases=['TimestampedModel'],
        ),
    ]
