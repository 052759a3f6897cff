"""Meetings, their participants, the series that generates the regular ones, minutes versions,
resolutions and their action items (P4.2, P3.2.6, P7.1.3)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_consents')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MeetingSeries',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(max_length=24)),
                ('title', fields.CharField(max_length=200)),
                ('agenda', fields.TextField(default='', unique=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('recurrence', fields.CharField(max_length=12)),
                ('first_starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('next_sequence', fields.IntField(default=0)),
                ('project_name', fields.CharField(default='', max_length=200)),
                ('participant_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('called_by_account_id', fields.IntField(null=True)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'meeting_series', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A recurring meeting: each occurrence is generated ahead by a job, one sequence number'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Meeting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('kind', fields.CharField(db_index=True, max_length=24)),
                ('title', fields.CharField(max_length=200)),
                ('agenda', fields.TextField(default='', unique=False)),
                ('location', fields.CharField(default='', max_length=200)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='SCHEDULED', max_length=12)),
                ('project_name', fields.CharField(default='', max_length=200)),
                ('called_by_account_id', fields.IntField(null=True)),
                ('series', fields.ForeignKeyField('models.MeetingSeries', source_field='series_id', null=True, db_constraint=True, to_field='id', related_name='meetings', on_delete=OnDelete.RESTRICT)),
                ('sequence', fields.IntField(null=True)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_reason', fields.CharField(default='', max_length=500)),
                ('minutes_draft_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('minutes_final_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('minutes_draft_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('minutes_final_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('draft_overdue_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('final_overdue_flagged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'meeting', 'app': 'models', 'unique_together': (('series', 'sequence'),), 'pk_attr': 'id', 'table_description': 'One meeting at a time and place, with the participants it was announced to.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='MeetingParticipant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('meeting', fields.ForeignKeyField('models.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='participants', on_delete=OnDelete.CASCADE)),
                ('account_id', fields.IntField(db_index=True)),
                ('capacity', fields.CharField(default='ATTENDEE', max_length=16)),
            ],
            options={'table': 'meeting_participant', 'app': 'models', 'unique_together': (('meeting', 'account_id'),), 'pk_attr': 'id', 'table_description': 'Who a meeting was announced to, and in which capacity.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='MinutesVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('meeting', fields.ForeignKeyField('models.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='minutes_versions', on_delete=OnDelete.RESTRICT)),
                ('version', fields.IntField()),
                ('is_final', fields.BooleanField(default=False)),
                ('text', fields.TextField(unique=False)),
                ('submitted_by_account_id', fields.IntField(null=True)),
                ('document_id', fields.IntField(null=True)),
            ],
            options={'table': 'minutes_version', 'app': 'models', 'unique_together': (('meeting', 'version'),), 'pk_attr': 'id', 'table_description': "One submitted version of a meeting's minutes, archived as a tier 3 document."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Resolution',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('meeting', fields.ForeignKeyField('models.Meeting', source_field='meeting_id', db_constraint=True, to_field='id', related_name='resolutions', on_delete=OnDelete.RESTRICT)),
                ('number', fields.IntField()),
                ('text', fields.TextField(unique=False)),
                ('content_sha256', fields.CharField(max_length=64)),
            ],
            options={'table': 'resolution', 'app': 'models', 'unique_together': (('meeting', 'number'),), 'pk_attr': 'id', 'table_description': "A decision recorded in a meeting's final minutes, signed off by the people responsible."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ActionItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('resolution', fields.ForeignKeyField('models.Resolution', source_field='resolution_id', db_constraint=True, to_field='id', related_name='action_items', on_delete=OnDelete.RESTRICT)),
                ('meeting_id', fields.IntField(db_index=True)),
                ('description', fields.TextField(unique=False)),
                ('owner_account_id', fields.IntField(db_index=True)),
                ('important', fields.BooleanField(default=False)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='OPEN', max_length=8)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completion_note', fields.TextField(default='', unique=False)),
                ('carried_to_meeting_id', fields.IntField(null=True)),
            ],
            options={'table': 'action_item', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A task a resolution gives one owner, with its deadline (P4.2.4, P4.2.5).'},
            bases=['TimestampedModel'],
        ),
    ]
