"""Tortoise field types that keep personal data encrypted in the database.

The model attribute holds plaintext; the column holds `cipher.encrypt()` output bound to
``table.column``. Equality filters on these columns cannot match (every encryption is
randomised): look rows up by a blind index column instead (`cipher.blind_indexes`).
"""

from __future__ import annotations

import json
from typing import Any

from tortoise import fields

from domain.personal_data.cipher import decrypt, encrypt, is_encrypted


def _context(field: fields.Field) -> str:
    return f"{field.model._meta.db_table}.{field.source_field or field.model_field_name}"


class EncryptedTextField(fields.TextField):
    """Text stored as AES-256-GCM ciphertext under the current field key."""

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        if value is None or is_encrypted(value):
            return value
        return encrypt(str(value), _context(self))

    def to_python_value(self, value: Any) -> str | None:
        if value is None:
            return None
        return decrypt(str(value), _context(self))


class EncryptedJSONField(fields.JSONField):
    """JSON stored as one JSON string holding the ciphertext of the document, so the column
    keeps its JSON type; rows written before encryption read as they are."""

    def to_db_value(self, value: Any, instance: Any) -> str | None:
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else value
        if not isinstance(text, str):
            text = self.encoder(value)
        self.decoder(text)  # refuse what is not JSON, as JSONField does
        return json.dumps(encrypt(text, _context(self)))

    def to_python_value(self, value: Any) -> Any:
        data = super().to_python_value(value)
        if is_encrypted(data):
            return self.decoder(decrypt(data, _context(self)))
        return data
