from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# PostgreSQL keeps the tally in the booking's own transaction: statement-level triggers add
# the rows a statement inserted or deleted to the shard of the connection (so concurrent
# bookings on different connections never wait on one counter row), and a TRUNCATE empties it.
# SQLite counts the rows on demand (domain/bookings/tally.py): it has no such scale to serve.
SHARDS = 64
TRIGGERS = f"""
CREATE OR REPLACE FUNCTION booking_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO booking_tally (shard, bookings)
      SELECT pg_backend_pid() % {SHARDS}, count(*) FROM tally_inserted HAVING count(*) > 0
      ON CONFLICT (shard) DO UPDATE SET bookings = booking_tally.bookings + EXCLUDED.bookings;
  ELSE
    INSERT INTO booking_tally (shard, bookings)
      SELECT pg_backend_pid() % {SHARDS}, -count(*) FROM tally_deleted HAVING count(*) > 0
      ON CONFLICT (shard) DO UPDATE SET bookings = booking_tally.bookings + EXCLUDED.bookings;
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION booking_tally_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM booking_tally;
  RETURN NULL;
END $$;
CREATE TRIGGER booking_tally_insert AFTER INSERT ON booking
  REFERENCING NEW TABLE AS tally_inserted FOR EACH STATEMENT EXECUTE FUNCTION booking_tally_add();
CREATE TRIGGER booking_tally_delete AFTER DELETE ON booking
  REFERENCING OLD TABLE AS tally_deleted FOR EACH STATEMENT EXECUTE FUNCTION booking_tally_add();
CREATE TRIGGER booking_tally_truncate AFTER TRUNCATE ON booking
  FOR EACH STATEMENT EXECUTE FUNCTION booking_tally_reset();
INSERT INTO booking_tally (shard, bookings) SELECT 0, count(*) FROM booking;
"""
DROP = """
DROP TRIGGER IF EXISTS booking_tally_insert ON booking;
DROP TRIGGER IF EXISTS booking_tally_delete ON booking;
DROP TRIGGER IF EXISTS booking_tally_truncate ON booking;
DROP FUNCTION IF EXISTS booking_tally_add();
DROP FUNCTION IF EXISTS booking_tally_reset();
"""


async def keep_tally(apps, editor) -> None:
    if editor.collect_sql or editor.client.capabilities.dialect != "postgres":
        return
    await editor.client.execute_script(TRIGGERS)


async def drop_tally(apps, editor) -> None:
    if editor.collect_sql or editor.client.capabilities.dialect != "postgres":
        return
    await editor.client.execute_script(DROP)

class Migration(migrations.Migration):
    dependencies = [('models', '0027_incentives')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BookingTally',
            fields=[
                ('shard', fields.SmallIntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('bookings', fields.BigIntField(default=0)),
            ],
            options={'table': 'booking_tally', 'app': 'models', 'pk_attr': 'shard', 'table_description': 'How many bookings exist, kept by the database itself (PostgreSQL triggers on `booking`,'},
            bases=['Model'],
        ),
        ops.RunPython(keep_tally, drop_tally),
    ]
