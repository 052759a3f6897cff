"""Care campaigns in the member's language (P3.1.11): the campaign's name, message and perk in
other languages, by language."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0028_booking_tally')]

    initial = False

    operations = [
        ops.AddField(
            model_name='CareCampaign',
            name='translations',
            field=fields.JSONField(default=dict, null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
