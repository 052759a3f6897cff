"""Continuous improvement (P8): the anonymous survey's ballots, pool and released answers,
workshops, proposals with their before-and-after figures, the innovation fund, the
six-monthly policy reviews, policy changes and training records."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0016_crisis")]

    initial = False

    operations = [
        ops.CreateModel(
            name='EmployeeSurvey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('month', fields.CharField(unique=True, max_length=7)),
                ('opens_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closes_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed', fields.BooleanField(default=False, db_index=True)),
            ],
            options={'table': 'employee_survey', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The anonymous staff questionnaire of one calendar month (P8.1).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='InnovationFund',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('balance', fields.DecimalField(default=0, max_digits=14, decimal_places=2)),
            ],
            options={'table': 'innovation_fund', 'app': 'models', 'pk_attr': 'id', 'table_description': "The fund's current balance, one row, updated only conditionally so it never goes"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InnovationFundEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('amount', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('balance_after', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('kind', fields.CharField(max_length=12)),
                ('note', fields.CharField(default='', max_length=200)),
                ('proposal_id', fields.IntField(null=True, unique=True)),
                ('actor_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'innovation_fund_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One movement of the innovation fund (P8.5): a deposit (positive) or a reward paid for an'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PolicyReview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('due_on', fields.DateField(unique=True)),
                ('status', fields.CharField(default='DUE', db_index=True, max_length=10)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('summary', fields.TextField(default='', unique=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'policy_review', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The six-monthly review of the policy (P8.3): when it is due, whether it was reminded,'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PolicyChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('review', fields.ForeignKeyField('models.PolicyReview', source_field='review_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=200)),
                ('major', fields.BooleanField(default=False)),
            ],
            options={'table': 'policy_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A change of the policy decided at a review, major ones needing all-staff training.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Proposal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(unique=False)),
                ('author_account_id', fields.IntField(db_index=True)),
                ('status', fields.CharField(default='SUBMITTED', db_index=True, max_length=12)),
                ('reviewer_account_id', fields.IntField(null=True)),
                ('review_reason', fields.TextField(default='', unique=False)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reward', fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ('rewarded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('followup_due_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'improvement_proposal', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An improvement proposal by a staff member, its review, adoption and reward (P8.5).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ImprovementFigures',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('proposal', fields.ForeignKeyField('models.Proposal', source_field='proposal_id', db_constraint=True, to_field='id', related_name='figures', on_delete=OnDelete.RESTRICT)),
                ('phase', fields.CharField(max_length=10)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('window_end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('bookings', fields.IntField()),
                ('cancellations', fields.IntField()),
            ],
            options={'table': 'improvement_figures', 'app': 'models', 'unique_together': (('proposal', 'phase'),), 'pk_attr': 'id', 'table_description': 'The booking figures of a window before an adopted proposal (BASELINE, taken at adoption)'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SurveyBallot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.EmployeeSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='ballots', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField()),
            ],
            options={'table': 'survey_ballot', 'app': 'models', 'unique_together': (('survey', 'account_id'),), 'pk_attr': 'id', 'table_description': 'That a staff member has used their one ballot of a survey, and nothing else: no time,'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.EmployeeSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='responses', on_delete=OnDelete.RESTRICT)),
                ('comment', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'survey_response', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A released anonymous answer: the survey, the free text, nothing about its author or its'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyProblemMention',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('models.EmployeeSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='mentions', on_delete=OnDelete.RESTRICT)),
                ('response', fields.ForeignKeyField('models.SurveyResponse', source_field='response_id', db_constraint=True, to_field='id', related_name='mentions', on_delete=OnDelete.RESTRICT)),
                ('problem_type', fields.CharField(db_index=True, max_length=24)),
            ],
            options={'table': 'survey_problem_mention', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One problem type named by one released answer, counted with GROUP BY for the ranking.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponsePool',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.OneToOneField('models.EmployeeSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='pool', on_delete=OnDelete.RESTRICT)),
                ('entries', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'survey_response_pool', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Answers not yet released, one row per survey, each new answer put at a random place in'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrainingRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('change', fields.ForeignKeyField('models.PolicyChange', source_field='change_id', db_constraint=True, to_field='id', related_name='trainings', on_delete=OnDelete.RESTRICT)),
                ('account_id', fields.IntField()),
                ('recorded_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'training_record', 'app': 'models', 'unique_together': (('change', 'account_id'),), 'pk_attr': 'id', 'table_description': 'That a staff member completed the training for a policy change, and who recorded it.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Workshop',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('survey', fields.ForeignKeyField('models.EmployeeSurvey', source_field='survey_id', db_constraint=True, to_field='id', related_name='workshops', on_delete=OnDelete.RESTRICT)),
                ('problem_type', fields.CharField(max_length=24)),
                ('rank', fields.IntField()),
                ('mentions', fields.IntField()),
                ('status', fields.CharField(default='OPEN', db_index=True, max_length=12)),
                ('owner_account_id', fields.IntField(null=True, db_index=True)),
                ('due_on', fields.DateField(null=True)),
                ('meeting_id', fields.IntField(null=True)),
            ],
            options={'table': 'workshop', 'app': 'models', 'unique_together': (('survey', 'problem_type'),), 'pk_attr': 'id', 'table_description': 'A workshop on one of the top problems of a closed survey (P8.2), with its owner.'},
            bases=['TimestampedModel'],
        ),
    ]
