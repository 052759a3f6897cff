"""The loyalty ledger and tiers (P3.1.2, P3.1.10): points lots spent and expired oldest first,
the uses that consumed them, manual adjustments (some waiting for approval), the tier history,
and each member's yearly tier review date.

Balances from before lots existed become one OPENING lot per member (the ledger entries exist
already), expiring after the default `points_expiry_months` (24) from the migration, so balance
== ledger sum == lots remaining holds for every member from the start."""


from tortoise import migrations
from tortoise.migrations import operations as ops
from domain.clock import utcnow
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

OPENING_LOT_MONTHS = 24


async def open_lots_for_existing_balances(apps, editor) -> None:
    if editor.collect_sql:
        return
    client = editor.client
    rows = await client.execute_query_dict(
        'SELECT "id", "points_balance" FROM "member" WHERE "points_balance" > 0'
    )
    if not rows:
        return
    now = utcnow()
    try:
        expires = now.replace(year=now.year + OPENING_LOT_MONTHS // 12)
    except ValueError:  # 29 February
        expires = now.replace(year=now.year + OPENING_LOT_MONTHS // 12, day=28)
    postgres = client.capabilities.dialect == "postgres"
    marks = ", ".join(f"${n}" if postgres else "?" for n in range(1, 8))
    for row in rows:
        balance = row["points_balance"]
        await client.execute_query(
            'INSERT INTO "points_lot" ("created_at", "member_id", "earned_at", "expires_at", '
            f'"original", "remaining", "source") VALUES ({marks})',
            [now, row["id"], now, expires, balance, balance, "OPENING"],
        )


class Migration(migrations.Migration):
    dependencies = [("models", "0014_finance")]

    initial = False

    operations = [
        ops.CreateModel(
            name='PointsAdjustment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='points_adjustments', on_delete=OnDelete.RESTRICT)),
                ('delta', fields.IntField()),
                ('reason', fields.TextField(unique=False)),
                ('status', fields.CharField(max_length=20)),
                ('requested_by_account_id', fields.IntField(null=True)),
                ('approval_id', fields.IntField(null=True, unique=True)),
                ('applied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('outcome', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'points_adjustment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A manual change of a balance by staff with its reason, applied at once or, above the'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PointsLot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='points_lots', on_delete=OnDelete.RESTRICT)),
                ('earned_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('original', fields.IntField()),
                ('remaining', fields.IntField()),
                ('source', fields.CharField(max_length=20)),
                ('booking_id', fields.IntField(null=True)),
                ('entry_id', fields.IntField(null=True)),
                ('warned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'points_lot', 'app': 'models', 'indexes': [Index(fields=['member_id', 'earned_at'])], 'pk_attr': 'id', 'table_description': 'Points earned (or credited) at one moment, spent and expired oldest first. The sum of'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PointsUse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('lot', fields.ForeignKeyField('models.PointsLot', source_field='lot_id', db_constraint=True, to_field='id', related_name='uses', on_delete=OnDelete.RESTRICT)),
                ('entry_id', fields.IntField(db_index=True)),
                ('booking_id', fields.IntField(null=True, db_index=True)),
                ('amount', fields.IntField()),
                ('returned', fields.IntField(default=0)),
            ],
            options={'table': 'points_use', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How much of one lot a debit (a redemption, an adjustment, an expiry) consumed, so a'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='TierChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('created_at', fields.DatetimeField(default=utcnow, auto_now=False, auto_now_add=False)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='tier_changes', on_delete=OnDelete.RESTRICT)),
                ('from_tier', fields.CharField(max_length=20)),
                ('to_tier', fields.CharField(max_length=20)),
                ('reason', fields.CharField(max_length=20)),
                ('spend', fields.DecimalField(max_digits=14, decimal_places=2)),
                ('nights', fields.IntField()),
                ('period_start', fields.DateField()),
                ('period_end', fields.DateField()),
            ],
            options={'table': 'tier_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One move of a member between tiers, with the reason and the figures it was decided on.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Member',
            name='tier_review_on',
            field=fields.DateField(null=True, db_index=True),
        ),
        ops.RunPython(open_lots_for_existing_balances, ops.RunPython.noop),
    ]
