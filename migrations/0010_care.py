"""First-stay satisfaction follow-ups and surveys (P3.1.7), and the customer-care plan's
campaigns with one delivery record per member and campaign (P3.1.11)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0009_complaints")]

    initial = False

    operations = [
        ops.CreateModel(
            name='CareCampaign',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(db_index=True, max_length=12)),
                ('name', fields.CharField(max_length=120)),
                ('message', fields.TextField(unique=False)),
                ('perk', fields.CharField(default='', max_length=200)),
                ('run_on', fields.DateField(db_index=True)),
                ('ends_on', fields.DateField(db_index=True)),
                ('status', fields.CharField(default='PLANNED', max_length=12)),
                ('planned_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'care_campaign', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A themed care activity. A dated campaign sends on run_on, a birthday campaign covers'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CareDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('campaign', fields.ForeignKeyField('models.CareCampaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.RESTRICT)),
                ('member_id', fields.IntField(db_index=True)),
                ('send_on', fields.DateField()),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=10)),
                ('channel', fields.CharField(null=True, max_length=8)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'care_delivery', 'app': 'models', 'unique_together': (('campaign', 'member_id'),), 'pk_attr': 'id', 'table_description': "One member's greeting of one campaign: written set-based on the sending day (unique per"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='FollowUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('booking', fields.OneToOneField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='follow_up', on_delete=OnDelete.RESTRICT)),
                ('guest_key', fields.CharField(unique=True, max_length=48)),
                ('member_id', fields.IntField(null=True, db_index=True)),
                ('guest_account_id', fields.IntField(null=True, db_index=True)),
                ('assignee_account_id', fields.IntField(null=True, db_index=True)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=12)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(null=True, max_length=16)),
                ('notes', fields.TextField(default='', unique=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_by_account_id', fields.IntField(null=True)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'follow_up', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A telephone satisfaction follow-up of a first stay, due a fixed time after check-out.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SatisfactionSurvey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('booking', fields.OneToOneField('models.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='satisfaction_survey', on_delete=OnDelete.RESTRICT)),
                ('member_id', fields.IntField(null=True, db_index=True)),
                ('guest_account_id', fields.IntField(null=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('score', fields.SmallIntField(null=True)),
                ('comments', fields.TextField(default='', unique=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('answered_via', fields.CharField(null=True, max_length=10)),
            ],
            options={'table': 'satisfaction_survey', 'app': 'models', 'pk_attr': 'id', 'table_description': "The guest's satisfaction survey of a first stay, answered once, by the signed-in guest"},
            bases=['TimestampedModel'],
        ),
    ]
