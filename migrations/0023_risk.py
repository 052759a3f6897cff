from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0022_compliance')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Incident',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('level', fields.IntField(db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=12)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_by_account_id', fields.IntField()),
                ('restore_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('scope_kind', fields.CharField(default='', max_length=16)),
                ('scope_department', fields.CharField(default='', max_length=32)),
                ('scope_from', fields.DateField(null=True)),
                ('scope_to', fields.DateField(null=True)),
                ('announce_round', fields.IntField(default=0)),
                ('lead_account_id', fields.IntField(null=True)),
                ('spokesperson_account_id', fields.IntField(null=True)),
                ('crisis_group_id', fields.IntField(null=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by_account_id', fields.IntField(null=True)),
                ('resolution', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'incident', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An incident handled under an emergency plan: level 1 system failure (restore deadline,'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='IncidentEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('incident', fields.ForeignKeyField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=20)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor_account_id', fields.IntField(null=True)),
                ('actor_ref', fields.CharField(default='', max_length=40)),
                ('text', fields.TextField(default='', unique=False)),
                ('from_level', fields.IntField(null=True)),
                ('to_level', fields.IntField(null=True)),
            ],
            options={'table': 'incident_event', 'app': 'models', 'pk_attr': 'id', 'table_description': "One entry of an incident's timeline: a state change or a note, with time and actor."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='IncidentMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('incident', fields.ForeignKeyField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField(db_index=True)),
            ],
            options={'table': 'incident_member', 'app': 'models', 'unique_together': (('incident', 'account_id'),), 'pk_attr': 'id', 'table_description': "A member of a level-3 incident's task force."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='IncidentNotice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('incident', fields.ForeignKeyField('models.Incident', source_field='incident_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.RESTRICT)),
                ('recipient_key', fields.CharField(max_length=64)),
                ('recipient_kind', fields.CharField(max_length=8)),
            ],
            options={'table': 'incident_notice', 'app': 'models', 'unique_together': (('incident', 'recipient_key'),), 'pk_attr': 'id', 'table_description': "One SMS notice of a level-1 incident to one recipient, keyed by the phone's blind index"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='InternalAudit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('quarter', fields.CharField(unique=True, max_length=7)),
                ('seed', fields.CharField(max_length=40)),
                ('sample_percent', fields.DecimalField(max_digits=6, decimal_places=2)),
                ('population', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=8)),
                ('opened_by_ref', fields.CharField(default='', max_length=40)),
                ('opened_by_account_id', fields.IntField(null=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by_account_id', fields.IntField(null=True)),
                ('summary', fields.TextField(default='', unique=False)),
                ('document_id', fields.IntField(null=True)),
            ],
            options={'table': 'internal_audit', 'app': 'models', 'pk_attr': 'id', 'table_description': "A quarterly internal audit: its seeded random sample of the quarter's cases, the findings"},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AuditSample',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('audit', fields.ForeignKeyField('models.InternalAudit', source_field='audit_id', db_constraint=True, to_field='id', related_name='samples', on_delete=OnDelete.RESTRICT)),
                ('case_kind', fields.CharField(max_length=16)),
                ('case_id', fields.IntField()),
                ('severity', fields.CharField(null=True, max_length=8)),
                ('finding', fields.TextField(default='', unique=False)),
                ('recorded_by_account_id', fields.IntField(null=True)),
                ('recorded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_sample', 'app': 'models', 'unique_together': (('audit', 'case_kind', 'case_id'),), 'pk_attr': 'id', 'table_description': "One sampled case of an internal audit and the auditor's finding on it."},
            bases=['TimestampedModel'],
        ),
    ]
