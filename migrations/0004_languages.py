"""Languages of messages (issue: speaks the guest's language): an account's saved preference
and the language a booking's vouchers and e-mails are written in."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.AddField(
            model_name="Account",
            name="language",
            field=fields.CharField(default="", max_length=10),
        ),
        ops.AddField(
            model_name="Booking",
            name="language",
            field=fields.CharField(default="en", max_length=10),
        ),
    ]
