"""Authority and dual review (issue 10: P4.1.1, P4.1.2, P6.2.3): when an emergency
authorisation's paperwork is due and when its reminder went out, and the pending operations of
dual review."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.clock import utcnow
from json import dumps, loads
from tortoise import fields

_json = dict(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)


class Migration(migrations.Migration):
    dependencies = [("models", "0012_inquiries")]

    operations = [
        ops.AddField(
            model_name="ApprovalRequest",
            name="paperwork_due_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="ApprovalRequest",
            name="reminded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.CreateModel(
            name="PendingOperation",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "created_at",
                    fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False),
                ),
                ("operation", fields.CharField(db_index=True, max_length=60)),
                ("arguments", fields.JSONField(**_json)),
                ("arguments_sha256", fields.CharField(max_length=64)),
                ("summary", fields.TextField(default="", unique=False)),
                ("permissions", fields.JSONField(**_json)),
                ("status", fields.CharField(default="PENDING", db_index=True, max_length=10)),
                ("subject_type", fields.CharField(null=True, max_length=60)),
                ("subject_id", fields.CharField(null=True, db_index=True, max_length=60)),
                ("maker_account_id", fields.IntField(null=True, db_index=True)),
                ("maker_ref", fields.CharField(max_length=40)),
                ("maker_name", fields.CharField(default="", max_length=120)),
                ("checker_account_id", fields.IntField(null=True)),
                ("checker_name", fields.CharField(default="", max_length=120)),
                ("decision_comment", fields.TextField(default="", unique=False)),
                (
                    "expires_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("decided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "executed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("result", fields.JSONField(null=True, **_json)),
                ("failure_reason", fields.TextField(default="", unique=False)),
            ],
            options={
                "table": "pending_operation",
                "app": "models",
                "pk_attr": "id",
                "table_description": (
                    "A high-risk operation waiting for its checker. operation names the "
                    "registered handler"
                ),
            },
            bases=["TimestampedModel"],
        ),
    ]
