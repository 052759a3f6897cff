"""Finding and erasing a person's identifiers wherever they remain (P6.1.3, PIPL Art. 47).

After the deletion service has anonymised every record linked to the person, `scrub_tables`
is the safety net: it goes through every table Tortoise knows (so tables added later are
covered without a change here) and replaces each of the person's identifiers (name, phone,
e-mail, identity document number) in every text and JSON column, plaintext columns through
SQL and encrypted or JSON columns by reading them, with `ERASED`. The audit trail is exempt: its
entries are sealed and never carry personal data (`domain.audit` callers write ids and
counts). Log files written outside the database (the development delivery logs) are scrubbed
by hooks the process registers at start (`register_file_scrubber`), after the commit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from tortoise import Tortoise
from tortoise import fields as tf
from tortoise.expressions import Q

log = logging.getLogger("hotel.privacy")

ERASED = "[erased]"
# Identifiers shorter than this are not searched for: they would match unrelated text.
MIN_NEEDLE = 4
EXEMPT_TABLES = frozenset({"audit_entry", "audit_seal"})
BATCH = 500

FileScrubber = Callable[[list[str]], Awaitable[int]]
_file_scrubbers: dict[str, FileScrubber] = {}


def register_file_scrubber(name: str, scrubber: FileScrubber) -> None:
    """A coroutine that removes the given strings from files this process writes (logs),
    registered under a name (registering again replaces it)."""
    _file_scrubbers[name] = scrubber


async def scrub_files(needles: list[str]) -> int:
    changed = 0
    for scrubber in list(_file_scrubbers.values()):
        try:
            changed += await scrubber(needles)
        except Exception:  # a log that cannot be rewritten must not undo the deletion
            log.exception("a file scrubber failed")
    return changed


def clean_needles(values: Iterable[str | None]) -> list[str]:
    found = {" ".join(str(v).split()) for v in values if v and len(str(v).strip()) >= MIN_NEEDLE}
    return sorted(found, key=len, reverse=True)


def pattern_of(needles: list[str]) -> re.Pattern[str] | None:
    if not needles:
        return None
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)


def replace_in(value: Any, pattern: re.Pattern[str]) -> Any:
    """`value` (text or JSON) with every match replaced; the same object when nothing matched."""
    if isinstance(value, str):
        return pattern.sub(ERASED, value) if pattern.search(value) else value
    if isinstance(value, list):
        items = [replace_in(v, pattern) for v in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        items = {k: replace_in(v, pattern) for k, v in value.items()}
        return items if any(items[k] is not value[k] for k in value) else value
    return value


def _columns(model) -> tuple[list[str], list[str]]:
    """(plaintext text columns searchable in SQL, columns that must be read to be searched)."""
    plain, read = [], []
    for name in model._meta.fields_db_projection:
        field = model._meta.fields_map[name]
        if isinstance(field, tf.JSONField) or type(field).__name__.startswith("Encrypted"):
            read.append(name)
        elif isinstance(field, tf.CharField | tf.TextField):
            plain.append(name)
    return plain, read


def text_models() -> list:
    return [
        model
        for model in Tortoise.apps["models"].values()
        if model._meta.db_table not in EXEMPT_TABLES
    ]


async def scrub_tables(needles: list[str]) -> dict[str, int]:
    """Replace the needles in every table but the audit trail (call inside a transaction).
    Returns the number of rows changed per table (only tables with changes)."""
    pattern = pattern_of(needles)
    if pattern is None:
        return {}
    changed: dict[str, int] = {}
    for model in text_models():
        plain, read = _columns(model)
        pk = model._meta.pk_attr
        # A text primary key (job_run.name) is read as the key, never rewritten.
        plain = [name for name in plain if name != pk]
        count = 0
        if plain:
            condition = Q(
                *(Q(**{f"{name}__icontains": n}) for name in plain for n in needles),
                join_type="OR",
            )
            rows = await model.filter(condition).values(pk, *plain)
            for row in rows:
                updates = {}
                for name in plain:
                    new = replace_in(row[name], pattern)
                    if new is not row[name]:
                        updates[name] = new
                if updates:
                    count += await model.filter(**{pk: row[pk]}).update(**updates)
        if read:
            last = None
            while True:
                query = model.all().order_by(pk).limit(BATCH)
                if last is not None:
                    query = query.filter(**{f"{pk}__gt": last})
                batch = await query
                if not batch:
                    break
                for row in batch:
                    updates = {}
                    for name in read:
                        value = getattr(row, name)
                        new = replace_in(value, pattern)
                        if new is not value:
                            updates[name] = new
                    if updates:
                        count += await model.filter(**{pk: row.pk}).update(**updates)
                last = batch[-1].pk
        if count:
            changed[model._meta.db_table] = count
    return changed
