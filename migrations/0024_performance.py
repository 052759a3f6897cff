from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0023_risk')]

    initial = False

    operations = [
        ops.CreateModel(
            name='EvaluationCycle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(max_length=12)),
                ('period_kind', fields.CharField(max_length=8)),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
                ('label', fields.CharField(max_length=16)),
                ('closes_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=8)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'evaluation_cycle', 'app': 'models', 'unique_together': (('kind', 'period_start'),), 'pk_attr': 'id', 'table_description': 'One round of assessment: monthly self (SELF), quarterly supervisor (SUPERVISOR) or'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='EvaluationResult',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(db_index=True, max_length=12)),
                ('team', fields.CharField(null=True, max_length=20)),
                ('period_kind', fields.CharField(max_length=8)),
                ('period_start', fields.DateField(db_index=True)),
                ('period_end', fields.DateField()),
                ('label', fields.CharField(max_length=16)),
                ('cycle_id', fields.IntField(null=True)),
                ('subject_account_id', fields.IntField(null=True, db_index=True)),
                ('author_account_id', fields.IntField(null=True)),
                ('score', fields.DecimalField(null=True, max_digits=5, decimal_places=2)),
                ('comment', fields.TextField(default='', unique=False)),
                ('rater_count', fields.IntField(null=True)),
                ('scores_hidden', fields.BooleanField(default=False)),
                ('hidden_reason', fields.CharField(default='', max_length=24)),
                ('metrics', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('flag', fields.CharField(default='', max_length=20)),
                ('rank', fields.IntField(null=True)),
            ],
            options={'table': 'evaluation_result', 'app': 'models', 'unique_together': (('cycle_id', 'kind', 'subject_account_id'),), 'pk_attr': 'id', 'table_description': 'A stored result, the basis of pay and promotion (P5.1.5): a self or supervisor'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='FacilityTicket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('raised_by_account_id', fields.IntField(db_index=True)),
                ('assignee_account_id', fields.IntField(null=True, db_index=True)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=10)),
                ('fix_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by_account_id', fields.IntField(null=True)),
                ('resolution', fields.TextField(default='', unique=False)),
                ('on_time', fields.BooleanField(null=True)),
            ],
            options={'table': 'facility_ticket', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A facility fault raised to Engineering (P5.1.3), assigned to an engineer, to be fixed'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='KpiSnapshotRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('period_kind', fields.CharField(max_length=8)),
                ('period_start', fields.DateField()),
            ],
            options={'table': 'kpi_snapshot_run', 'app': 'models', 'unique_together': (('period_kind', 'period_start'),), 'pk_attr': 'id', 'table_description': 'That the KPI snapshots of a period were taken (the job takes each period once).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PeerRatingTally',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.EvaluationCycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='peer_tallies', on_delete=OnDelete.RESTRICT)),
                ('reviewee_account_id', fields.IntField()),
                ('answers', fields.IntField(default=0)),
                ('score_sum', fields.IntField(default=0)),
            ],
            options={'table': 'peer_rating_tally', 'app': 'models', 'unique_together': (('cycle', 'reviewee_account_id'),), 'pk_attr': 'id', 'table_description': 'The running sum of the 360-degree scores a colleague received in a cycle: no single'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PeerRatingTask',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('models.EvaluationCycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='peer_tasks', on_delete=OnDelete.RESTRICT)),
                ('reviewee_account_id', fields.IntField()),
                ('rater_account_id', fields.IntField(db_index=True)),
                ('answered', fields.BooleanField(default=False)),
            ],
            options={'table': 'peer_rating_task', 'app': 'models', 'unique_together': (('cycle', 'reviewee_account_id', 'rater_account_id'),), 'pk_attr': 'id', 'table_description': 'That a rater from another department is to rate a colleague in a 360-degree cycle, and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PerformanceTraining',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(db_index=True)),
                ('result', fields.ForeignKeyField('models.EvaluationResult', source_field='result_id', db_constraint=True, to_field='id', related_name='trainings', on_delete=OnDelete.RESTRICT)),
                ('session_number', fields.IntField()),
                ('due_on', fields.DateField()),
                ('status', fields.CharField(default='ASSIGNED', max_length=10)),
                ('attended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('recorded_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'performance_training', 'app': 'models', 'unique_together': (('result', 'session_number'),), 'pk_attr': 'id', 'table_description': 'A special training session assigned after a failed quarterly customer-service'},
            bases=['TimestampedModel'],
        ),
    ]
