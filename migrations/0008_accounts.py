"""Guest accounts (issue 9 item 0): single-use account tokens (pending sign-ups, password
resets, booking claims), the encrypted phone of an account, and the account that claimed a
booking made by phone."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from domain.personal_data.fields import EncryptedJSONField, EncryptedTextField
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0007_disputes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AccountToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "created_at",
                    fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False),
                ),
                ("purpose", fields.CharField(max_length=16)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("account_id", fields.IntField(null=True, db_index=True)),
                (
                    "details",
                    EncryptedJSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "account_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One token sent by e-mail or text message, usable once and until it expires.",
            },
            bases=["TimestampedModel"],
        ),
        ops.AddField(
            model_name="Account",
            name="phone",
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Booking",
            name="claimed_by_account_id",
            field=fields.IntField(null=True, db_index=True),
        ),
    ]
