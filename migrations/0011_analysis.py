"""Monthly member analysis (P3.1.8): analysis runs with their per-batch cursor, the stays staged
for a run, members' behaviour per month and their ranked recommendations."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0010_care")]

    initial = False

    operations = [
        ops.CreateModel(
            name='AnalysisRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('month', fields.DateField(unique=True)),
                ('status', fields.CharField(default='RUNNING', db_index=True, max_length=10)),
                ('cursor_member_id', fields.IntField(default=0)),
                ('batches_done', fields.IntField(default=0)),
                ('members_total', fields.IntField(default=0)),
                ('members_done', fields.IntField(default=0)),
                ('stays_total', fields.IntField(default=0)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'analysis_run', 'app': 'models', 'pk_attr': 'id', 'table_description': "One month's analysis. cursor_member_id is the highest member id whose batch committed,"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AnalysisStay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run_id', fields.IntField()),
                ('member_id', fields.IntField(db_index=True)),
                ('check_in', fields.DateField()),
                ('stay_month', fields.SmallIntField()),
                ('nights', fields.IntField()),
                ('gross', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('spend', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('channel', fields.CharField(max_length=10)),
                ('room_type_id', fields.IntField()),
                ('lead_days', fields.IntField()),
            ],
            options={'table': 'analysis_stay', 'app': 'models', 'pk_attr': 'id', 'table_description': "A member's stay copied for one run: the snapshot the run's batches aggregate, deleted"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberBehaviour',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='behaviours', on_delete=OnDelete.CASCADE)),
                ('month', fields.DateField(db_index=True)),
                ('stays', fields.IntField()),
                ('nights', fields.IntField()),
                ('spend', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('average_rate', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('average_lead_days', fields.DecimalField(max_digits=8, decimal_places=1)),
                ('main_channel', fields.CharField(max_length=10)),
                ('main_channel_stays', fields.IntField()),
                ('preferred_room_type', fields.ForeignKeyField('models.RoomType', source_field='preferred_room_type_id', db_constraint=True, to_field='id', related_name='preferred_by', on_delete=OnDelete.RESTRICT)),
                ('preferred_room_type_stays', fields.IntField()),
                ('peak_month', fields.SmallIntField()),
                ('peak_month_stays', fields.IntField()),
                ('peak_month_lead_days', fields.DecimalField(max_digits=8, decimal_places=1)),
                ('season', fields.CharField(max_length=120)),
                ('first_stay', fields.DateField()),
                ('last_stay', fields.DateField()),
            ],
            options={'table': 'member_behaviour', 'app': 'models', 'unique_together': (('member', 'month'),), 'pk_attr': 'id', 'table_description': "A member's consumption behaviour over the whole history up to the end of month. season"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Recommendation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='recommendations', on_delete=OnDelete.CASCADE)),
                ('month', fields.DateField()),
                ('rank', fields.SmallIntField()),
                ('kind', fields.CharField(max_length=12)),
                ('topic', fields.CharField(max_length=16)),
                ('room_type', fields.ForeignKeyField('models.RoomType', source_field='room_type_id', null=True, db_constraint=True, to_field='id', related_name='recommended_in', on_delete=OnDelete.RESTRICT)),
                ('evidence', fields.IntField()),
                ('total', fields.IntField()),
                ('score', fields.DecimalField(max_digits=6, decimal_places=3)),
            ],
            options={'table': 'recommendation', 'app': 'models', 'unique_together': (('member', 'month', 'rank'),), 'pk_attr': 'id', 'table_description': 'A ranked recommendation for a member, explained by the behaviour of the same month. The'},
            bases=['TimestampedModel'],
        ),
    ]
