"""The indexes the models declare on columns that later migrations added: Tortoise's AddField
creates the column but not its index (`db_index=True` is honoured only when a table is created),
so every installation lacked them; and on SQLite, removing a column rebuilds the table without
its indexes (audit_entry lost the one on `action` in 0002). Without them each booking's blacklist check read the whole
guest_profile table (its phone, e-mail and document blind indexes: 12 ms at 100,000 profiles,
growing with every guest), and so did every lookup of a guest by contact. Named as Tortoise
names the indexes it does create. `tests/test_declared_indexes.py` now compares what the models
declare with what a migrated database holds."""

from tortoise import migrations
from tortoise.migrations import operations as ops

LOST = (
    ("idx_audit_entry_action_a20b3a", "audit_entry", "action"),
    ("idx_booking_claimed_5eedd2", "booking", "claimed_by_account_id"),
    ("idx_guest_profi_phone_i_6ec0cf", "guest_profile", "phone_index"),
    ("idx_guest_profi_email_i_aa6e25", "guest_profile", "email_index"),
    ("idx_guest_profi_id_docu_c2a84b", "guest_profile", "id_document_index"),
    ("idx_member_tier_re_61435d", "member", "tier_review_on"),
)


class Migration(migrations.Migration):
    dependencies = [('models', '0029_care_translations')]

    initial = False

    operations = [
        ops.RunSQL(
            [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
             for name, table, column in LOST],
            reverse_sql=[f'DROP INDEX IF EXISTS "{name}"' for name, _, _ in LOST],
        ),
    ]
