"""The newest migrations upgrade an installation that holds data, not only an empty database.

Every other test migrates an empty database, where a column added as NOT NULL without a default
(the first version of 0029_care_translations) or a type change that cannot convert existing
values passes unnoticed, and then stops the first start of every upgraded installation. Here a
new database is migrated to just before the last `CHECKED` migrations; before each of them every
table gets a row (written from the database's own catalogue, so the rows fit the schema of that
moment, not today's models), the migration is applied, and every row must still be there.

The chain is read from the migration files' dependencies, so a new migration is checked without
touching this file. A migration that rightly adds or removes rows names its tables in
`EXPECTED_ROW_CHANGES`. Runs on SQLite, and on PostgreSQL when the suite does."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from graphlib import TopologicalSorter

import pytest
from tortoise import Tortoise
from tortoise.fields import JSONField
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.loader import MigrationLoader

from server import db

# How many of the newest migrations are each applied to a database where every table has a row
# (each costs a few seconds: Tortoise replays the whole chain's state on every run).
CHECKED = 2
# migration name -> tables whose row count that migration changes on purpose.
EXPECTED_ROW_CHANGES: dict[str, set[str]] = {}
RECORDER_TABLE = "tortoise_migrations"
MOMENT = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)


def migration_chain() -> list[str]:
    """The app's migration names from the first to the head, following `dependencies`."""
    loader = MigrationLoader({db.APP_LABEL: db.tortoise_config("")["apps"][db.APP_LABEL]}, None)
    loader.load_disk()
    parents = {
        key.name: [name for app, name in migration.dependencies if app == db.APP_LABEL]
        for key, migration in loader.disk_migrations.items()
    }
    depended_on = {parent for names in parents.values() for parent in names}
    (head,) = [name for name in parents if name not in depended_on]
    chain = [head]
    while parents[chain[-1]]:
        (parent,) = parents[chain[-1]]  # one line of history, no merges
        chain.append(parent)
    assert len(chain) == len(parents), "a migration is not on the line to the head"
    return chain[::-1]


async def migrate_to(url: str, name: str) -> None:
    await Tortoise.close_connections()
    await run_migrations(
        config=db.tortoise_config(url, statement_timeout=False), target=f"{db.APP_LABEL}.{name}"
    )


# -- the catalogue: tables, their columns that need a value, and what those reference ------


@dataclass(frozen=True)
class Column:
    """A column that needs a value: no NULL, no database default."""

    name: str
    sql_type: str  # as the catalogue spells it, lower case
    references: tuple[str, str] | None  # (table, column) of its foreign key


async def sqlite_catalogue(connection) -> dict[str, list[Column]]:
    tables = [
        row["name"]
        for row in await connection.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    catalogue = {}
    for table in tables:
        keys = {
            row["from"]: (row["table"], row["to"])
            for row in await connection.execute_query_dict(f'PRAGMA foreign_key_list("{table}")')
        }
        catalogue[table] = [
            Column(row["name"], row["type"].lower(), keys.get(row["name"]))
            for row in await connection.execute_query_dict(f'PRAGMA table_info("{table}")')
            # NULL-able columns stay NULL; an INTEGER primary key numbers itself.
            if row["notnull"] and row["dflt_value"] is None
            and not (row["pk"] and row["type"].upper() == "INTEGER")
        ]
    return catalogue


async def postgres_catalogue(connection) -> dict[str, list[Column]]:
    keys = {
        (row["table_name"], row["column_name"]): (row["ref_table"], row["ref_column"])
        for row in await connection.execute_query_dict(
            "SELECT k.table_name, k.column_name, r.table_name AS ref_table, "
            "r.column_name AS ref_column FROM information_schema.table_constraints c "
            "JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name) "
            "JOIN information_schema.constraint_column_usage r "
            "USING (constraint_schema, constraint_name) "
            "WHERE c.constraint_type = 'FOREIGN KEY' AND c.constraint_schema = 'public'"
        )
    }
    catalogue: dict[str, list[Column]] = {
        row["table_name"]: []
        for row in await connection.execute_query_dict(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
    }
    for row in await connection.execute_query_dict(
        "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity "
        "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY ordinal_position"
    ):
        if (
            row["table_name"] in catalogue and row["is_nullable"] == "NO"
            and row["column_default"] is None and row["is_identity"] == "NO"
        ):
            catalogue[row["table_name"]].append(Column(
                row["column_name"], row["data_type"].lower(),
                keys.get((row["table_name"], row["column_name"])),
            ))
    return catalogue


def quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def model_field(table: str, column: str):
    """Today's model field stored in `table.column`, if there still is one: it knows the
    values that make sense there (an enum's members, JSON), which the SQL type does not."""
    for model in Tortoise.apps[db.APP_LABEL].values():
        if model._meta.db_table == table:
            for field in model._meta.fields_map.values():
                if (field.source_field or field.model_field_name) == column:
                    return field
    return None


def literal(table: str, column: Column, postgres: bool) -> str:
    """A plausible SQL literal for the column: today's model default if it has a constant one,
    else a value of the column's SQL type."""
    field = model_field(table, column.name)
    members = getattr(field, "enum_type", None)
    if members is not None and issubclass(members, enum.Enum):
        value = next(iter(members)).value
        return str(value) if isinstance(value, int) else quoted(str(value))
    default = getattr(field, "default", None)
    if isinstance(default, bool):
        return "TRUE" if default else "FALSE"
    if isinstance(default, int | float | Decimal):
        return str(default)
    if isinstance(default, str):
        return quoted(default)  # a status's first value ("PENDING"), which the code expects
    if isinstance(field, JSONField) or "json" in column.sql_type:
        return "'[]'" if field is not None and field.default is list else "'{}'"
    kind = column.sql_type
    if "bool" in kind:
        return "TRUE"
    if "int" in kind or kind in {"serial", "bigserial"}:
        return "1"
    if any(word in kind for word in ("numeric", "decimal", "real", "double", "float")):
        return "1"
    if "timestamp" in kind or "datetime" in kind:
        return quoted(MOMENT.isoformat(sep=" "))
    if kind == "date":
        return quoted(MOMENT.date().isoformat())
    if kind.startswith("time"):
        return quoted(MOMENT.time().isoformat())
    if "uuid" in kind:
        return "'00000000-0000-4000-8000-000000000001'"
    if kind in {"bytea", "blob"}:
        return "'\\x00'::bytea" if postgres else "X'00'"
    return "'1'"  # text (or a decimal stored as text) of any length: fits a CHAR(1) too


async def fill_every_table(connection) -> None:
    """One row in every table that has none, parents before the rows that reference them."""
    postgres = connection.capabilities.dialect == "postgres"
    catalogue = await (postgres_catalogue if postgres else sqlite_catalogue)(connection)
    catalogue.pop(RECORDER_TABLE, None)
    parents = {
        table: {c.references[0] for c in columns if c.references and c.references[0] != table}
        for table, columns in catalogue.items()
    }
    for table in TopologicalSorter(parents).static_order():
        if await row_count(connection, table):
            continue  # rows a migration wrote (the organisation's structure) or a trigger did
        columns = catalogue[table]
        values = []
        for column in columns:
            if column.references:
                ref_table, ref_column = column.references
                values.append(f'(SELECT "{ref_column}" FROM "{ref_table}" LIMIT 1)')
            else:
                values.append(literal(table, column, postgres))
        if columns:
            names = ", ".join(f'"{c.name}"' for c in columns)
            sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(values)})'
        else:
            sql = f'INSERT INTO "{table}" DEFAULT VALUES'
        await connection.execute_query(sql)


async def row_count(connection, table: str) -> int:
    (row,) = await connection.execute_query_dict(f'SELECT count(*) AS n FROM "{table}"')
    return row["n"]


async def row_counts(connection) -> dict[str, int]:
    if connection.capabilities.dialect == "postgres":
        query = ("SELECT table_name AS name FROM information_schema.tables "
                 "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    tables = [row["name"] for row in await connection.execute_query_dict(query)]
    return {t: await row_count(connection, t) for t in tables if t != RECORDER_TABLE}


async def test_the_newest_migrations_upgrade_a_database_full_of_rows(scratch_database):
    url = scratch_database
    chain = migration_chain()
    assert len(chain) > CHECKED
    await migrate_to(url, chain[-CHECKED - 1])

    for name in chain[-CHECKED:]:
        connection = Tortoise.get_connection("default")
        await fill_every_table(connection)
        before = await row_counts(connection)
        assert all(before.values()), f"tables left empty before {name}: {before}"

        try:
            await migrate_to(url, name)
        except Exception as error:
            pytest.fail(f"{name} fails on a database whose every table has a row: {error!r}")

        after = await row_counts(Tortoise.get_connection("default"))
        changed = {
            table: (count, after.get(table))
            for table, count in before.items()
            if after.get(table) != count and table not in EXPECTED_ROW_CHANGES.get(name, set())
        }
        assert not changed, f"{name} changed row counts (before, after): {changed}"
    await Tortoise.close_connections()
