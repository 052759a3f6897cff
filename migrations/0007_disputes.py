"""Disputes between staff or departments and their recorded steps (P7.2)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_meetings')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Dispute',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('subject', fields.CharField(max_length=200)),
                ('description', fields.TextField(unique=False)),
                ('opened_by_account_id', fields.IntField(db_index=True)),
                ('other_party_account_id', fields.IntField(null=True, db_index=True)),
                ('opener_department', fields.CharField(null=True, max_length=24)),
                ('other_department', fields.CharField(null=True, max_length=24)),
                ('cross_department', fields.BooleanField(default=False)),
                ('step', fields.CharField(max_length=24)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=12)),
                ('outcome', fields.TextField(default='', unique=False)),
                ('outcome_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('arbitration_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('arbitration_extended', fields.BooleanField(default=False)),
                ('arbitration_overdue_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('joint_meeting_id', fields.IntField(null=True)),
            ],
            options={'table': 'dispute', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A dispute on its resolution ladder: the step it stands at, whether that step gave an'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='DisputeEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('dispute', fields.ForeignKeyField('models.Dispute', source_field='dispute_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('step', fields.CharField(max_length=24)),
                ('actor_account_id', fields.IntField(null=True)),
                ('note', fields.TextField(default='', unique=False)),
                ('document_id', fields.IntField(null=True)),
            ],
            options={'table': 'dispute_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One recorded step of a dispute: opened, escalated, an outcome, an extension, a joint'},
            bases=['TimestampedModel'],
        ),
    ]
