from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0019_booking_member_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JobRun',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ('last_ok_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_failed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(default='', max_length=120)),
                ('last_seconds', fields.FloatField(default=0)),
                ('runs', fields.BigIntField(default=0)),
                ('failures', fields.BigIntField(default=0)),
            ],
            options={'table': 'job_run', 'app': 'models', 'pk_attr': 'name', 'table_description': "The latest outcome of one job. Errors keep only the exception's type: a job's message"},
            bases=['Model'],
        ),
    ]
