"""Key rotation of personal data: move every encrypted value to the current field key.

After a new key is put first in the ring, old rows still read (their ciphertext names their
key); `reencrypt()` rewrites the rows that are under another key, or still in plaintext from
before encryption, with the current key, and their blind indexes with it. It is idempotent and
safe to interrupt. Once it reports nothing left on old keys, the old key can leave the ring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise import Tortoise
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain.personal_data.cipher import is_encrypted, key_id_of
from domain.personal_data.fields import EncryptedJSONField, EncryptedTextField
from domain.personal_data.keys import keyring

BATCH = 500


@dataclass
class ReencryptionSummary:
    current_key_id: str
    rewritten: dict[str, int] = field(default_factory=dict)  # table -> rows rewritten
    unchanged: int = 0


def encrypted_columns(model: type[Model]) -> dict[str, str]:
    """The model's encrypted fields: field name -> column."""
    return {
        name: f.source_field or name
        for name, f in model._meta.fields_map.items()
        if isinstance(f, EncryptedTextField | EncryptedJSONField)
    }


def models_with_personal_data() -> list[type[Model]]:
    return [
        model
        for app in Tortoise.apps.values()
        for model in app.values()
        if encrypted_columns(model)
    ]


def _stale(value, current: str) -> bool:
    if value is None:
        return False
    if isinstance(value, str) and value.startswith('"'):  # a JSON column holds a JSON string
        value = value[1:]
    return not is_encrypted(value) or key_id_of(value) != current


async def reencrypt(batch: int = BATCH) -> ReencryptionSummary:
    current = keyring().current.key_id
    summary = ReencryptionSummary(current)
    for model in models_with_personal_data():
        columns = encrypted_columns(model)
        table = model._meta.db_table
        connection = model._meta.db
        select = ", ".join(f'"{c}"' for c in columns.values())
        last = 0
        while True:
            rows = await connection.execute_query_dict(
                f'SELECT "id", {select} FROM "{table}" WHERE "id" > {int(last)} '
                f'ORDER BY "id" LIMIT {int(batch)}'
            )
            if not rows:
                break
            last = rows[-1]["id"]
            stale = [r["id"] for r in rows if any(_stale(r[c], current) for c in columns.values())]
            summary.unchanged += len(rows) - len(stale)
            async with in_transaction():
                for instance in await model.filter(id__in=stale):
                    await instance.save(update_fields=list(columns))
            if stale:
                summary.rewritten[table] = summary.rewritten.get(table, 0) + len(stale)
    return summary
