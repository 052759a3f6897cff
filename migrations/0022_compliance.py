from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0021_organisation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ComplianceTraining',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField(db_index=True)),
                ('topic', fields.CharField(max_length=200)),
                ('completed_on', fields.DateField()),
                ('valid_until', fields.DateField(db_index=True)),
                ('recorded_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'compliance_training', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A staff member completed data-protection training on a day, which holds until valid_until'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ComplianceTrainingReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('account_id', fields.IntField()),
                ('lapse_key', fields.CharField(max_length=20)),
            ],
            options={'table': 'compliance_training_reminder', 'app': 'models', 'unique_together': (('account_id', 'lapse_key'),), 'pk_attr': 'id', 'table_description': 'One reminder per staff member and lapse (`lapse_key`: the day their last training ran'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Partner',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('name', fields.CharField(max_length=120)),
                ('country', fields.CharField(max_length=2)),
                ('registered_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'partner', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An outside organisation that receives guest data (an OTA, a travel agency, a channel'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PartnerToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.RESTRICT)),
                ('api_token_id', fields.IntField(unique=True)),
            ],
            options={'table': 'partner_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'That a partner API token belongs to a partner: what the token reads leaves to it.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SecurityAssessment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('partner', fields.ForeignKeyField('models.Partner', source_field='partner_id', db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.RESTRICT)),
                ('assessed_on', fields.DateField()),
                ('assessor', fields.CharField(max_length=200)),
                ('result', fields.CharField(max_length=10)),
                ('valid_until', fields.DateField()),
                ('document_reference', fields.CharField(max_length=200)),
                ('recorded_by_account_id', fields.IntField(null=True)),
            ],
            options={'table': 'security_assessment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A security assessment of transferring personal data to a partner abroad (PIPL Art. 38-40):'},
            bases=['TimestampedModel'],
        ),
    ]
