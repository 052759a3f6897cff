"""Inquiries and what became of them (P3.1.1 inquiry intake, P1.2 booking conversion): the
inquiry table, with a unique search key for the guest searches recorded once a day."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0011_analysis")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Inquiry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "created_at",
                    fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False),
                ),
                ("channel", fields.CharField(db_index=True, max_length=10)),
                ("status", fields.CharField(default="OPEN", db_index=True, max_length=10)),
                ("check_in", fields.DateField()),
                ("check_out", fields.DateField()),
                ("guests", fields.IntField()),
                (
                    "room_type",
                    fields.ForeignKeyField(
                        "models.RoomType",
                        source_field="room_type_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="inquiries",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("budget_amount", fields.DecimalField(null=True, max_digits=14, decimal_places=2)),
                ("budget_currency", fields.CharField(null=True, max_length=3)),
                ("notes", fields.TextField(default="", unique=False)),
                ("taken_by_account_id", fields.IntField(null=True, db_index=True)),
                ("taken_by_token_id", fields.IntField(null=True, db_index=True)),
                ("guest_account_id", fields.IntField(null=True, db_index=True)),
                (
                    "guest",
                    fields.ForeignKeyField(
                        "models.GuestProfile",
                        source_field="guest_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="inquiries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="inquiries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "booking",
                    fields.ForeignKeyField(
                        "models.Booking",
                        source_field="booking_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="inquiries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("lost_reason", fields.CharField(null=True, max_length=20)),
                ("lost_note", fields.TextField(default="", unique=False)),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("search_key", fields.CharField(null=True, unique=True, max_length=64)),
            ],
            options={
                "table": "inquiry",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A customer's inquiry about a stay: the needs, who took it (a staff account or a partner",
            },
            bases=["TimestampedModel"],
        ),
    ]
