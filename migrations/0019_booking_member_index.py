"""An index on bookings by member: a member's history, the tier evaluation, earning and the monthly
analysis all select bookings by member."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class AlterFieldIndexingOnSqlite(ops.AlterField):
    """AlterField, except on SQLite, where Tortoise's AlterField adds no index for a foreign key
    (and would remake the table to change it): there the index is created directly."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if not state_editor or state_editor.client.capabilities.dialect != "sqlite":
            return await super().database_forward(app_label, old_state, new_state, state_editor)
        await state_editor.client.execute_script(
            'CREATE INDEX IF NOT EXISTS "idx_booking_member_id" ON "booking" ("member_id");'
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0018_improvement_figures')]

    initial = False

    operations = [
        AlterFieldIndexingOnSqlite(
            model_name='Booking',
            name='member',
            field=fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.SET_NULL),
        ),
    ]
