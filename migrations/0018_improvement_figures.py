"""Satisfaction and efficiency figures of adopted improvements: surveys answered and their
scores, complaints filed and their first-response times (P8.4)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0017_improvement')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='ImprovementFigures',
            options={'table': 'improvement_figures', 'app': 'models', 'unique_together': (('proposal', 'phase'),), 'pk_attr': 'id', 'table_description': 'The satisfaction and efficiency figures of a window before an adopted proposal'},
        ),
        ops.AddField(
            model_name='ImprovementFigures',
            name='complaints',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='ImprovementFigures',
            name='complaints_responded',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='ImprovementFigures',
            name='response_seconds_total',
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name='ImprovementFigures',
            name='survey_score_total',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='ImprovementFigures',
            name='surveys_answered',
            field=fields.IntField(default=0),
        ),
    ]
