"""Every index the models declare exists in a database built by the migrations (issue 12, flat
cost at scale). Tortoise's AddField adds a column without the index `db_index=True` asks for, so
five lookups, the guest blacklist check of every booking among them, read whole tables on every
installation until migration 0030; this compares the models with the migrated database, on
SQLite and on PostgreSQL, so the next such column is caught when it is added."""

from __future__ import annotations

from tortoise import Tortoise

from domain.models import Booking


def _declared() -> set[tuple[str, tuple[str, ...]]]:
    """(table, leading columns) of every index or unique constraint a model declares."""
    wanted: set[tuple[str, tuple[str, ...]]] = set()
    for model in Tortoise.apps["models"].values():
        meta = model._meta
        if meta.abstract:
            continue
        columns = dict(meta.fields_db_projection)  # field name -> column
        for name in meta.fk_fields | meta.o2o_fields:
            columns[name] = meta.fields_map[name].source_field or f"{name}_id"
        for name, column in columns.items():
            field = meta.fields_map[name]
            if not field.pk and (getattr(field, "index", False) or field.unique):
                wanted.add((meta.db_table, (column,)))
        for group in (*(meta.indexes or ()), *(meta.unique_together or ())):
            names = group if isinstance(group, tuple | list) else tuple(group.fields)
            wanted.add((meta.db_table, tuple(columns[n] for n in names)))
    return wanted


async def _present() -> set[tuple[str, tuple[str, ...]]]:
    connection = Booking._meta.db
    found: set[tuple[str, tuple[str, ...]]] = set()
    if connection.capabilities.dialect == "postgres":
        _, rows = await connection.execute_query(
            """SELECT t.relname, array_agg(a.attname ORDER BY k.n)
               FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
               WHERE t.relnamespace = 'public'::regnamespace
               GROUP BY t.relname, i.indexrelid"""
        )
        return {(row[0], tuple(row[1])) for row in rows}
    _, tables = await connection.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    for (table,) in (tuple(row) for row in tables):
        _, indexes = await connection.execute_query(f'PRAGMA index_list("{table}")')
        for index in indexes:
            _, columns = await connection.execute_query(f'PRAGMA index_info("{index["name"]}")')
            ordered = sorted((c["seqno"], c["name"]) for c in columns)
            found.add((table, tuple(name for _, name in ordered)))
    return found


async def test_every_declared_index_is_in_the_migrated_database():
    present = await _present()
    missing = sorted(
        (table, columns)
        for table, columns in _declared()
        if not any(t == table and have[: len(columns)] == columns for t, have in present)
    )
    assert missing == []


async def test_the_comparison_sees_a_missing_index():
    """The check cannot pass vacuously: dropping one of the indexes makes it report that one."""
    connection = Booking._meta.db
    await connection.execute_script('DROP INDEX IF EXISTS "idx_guest_profi_phone_i_6ec0cf"')
    try:
        present = await _present()
        assert ("guest_profile", ("phone_index",)) in _declared()
        assert not any(t == "guest_profile" and have[:1] == ("phone_index",) for t, have in present)
    finally:
        await connection.execute_script(
            'CREATE INDEX IF NOT EXISTS "idx_guest_profi_phone_i_6ec0cf" '
            'ON "guest_profile" ("phone_index")'
        )
