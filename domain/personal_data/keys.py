"""The field keyring: which AES-256 keys protect personal data in database columns.

Each configured master key (``FIELD_KEYS``, or derived from ``ARCHIVE_KEYS``, see
`server.privacy`) yields two subkeys by HKDF-SHA256 with distinct labels: one encrypts
(AES-256-GCM), one keys the blind indexes (HMAC-SHA256). A master key is never used directly,
so field data, blind indexes and archive objects never share a key. The first key is current:
new writes use it; ciphertext names its key id, so rows written under any key in the ring
still read, and `rotation.reencrypt()` moves them to the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.keyring import Keyring

_ENCRYPTION_LABEL = b"hotel/personal-data/aes-256-gcm/v1"
_INDEX_LABEL = b"hotel/personal-data/blind-index/v1"


def _derive(master: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(master)


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    encryption_key: bytes
    index_key: bytes


class FieldKeyring:
    """Field keys by id, in order; the first is current."""

    def __init__(self, keys: Iterable[FieldKey]) -> None:
        self._keys = {key.key_id: key for key in keys}
        if not self._keys:
            raise ValueError("the field keyring is empty")
        self._order = tuple(self._keys)

    @classmethod
    def from_masters(cls, entries: Iterable[tuple[str, bytes]]) -> FieldKeyring:
        return cls(
            FieldKey(key_id, _derive(master, _ENCRYPTION_LABEL), _derive(master, _INDEX_LABEL))
            for key_id, master in entries
        )

    @classmethod
    def from_keyring(cls, ring: Keyring, *, prefix: str = "") -> FieldKeyring:
        return cls.from_masters((prefix + key_id, ring.key(key_id)) for key_id in ring.ids)

    def plus(self, other: FieldKeyring) -> FieldKeyring:
        """This ring followed by the keys of `other` it does not have (kept for reading)."""
        return FieldKeyring(
            [*self.keys, *(key for key in other.keys if key.key_id not in self._keys)]
        )

    @property
    def current(self) -> FieldKey:
        return self._keys[self._order[0]]

    @property
    def keys(self) -> tuple[FieldKey, ...]:
        return tuple(self._keys[key_id] for key_id in self._order)

    @property
    def ids(self) -> tuple[str, ...]:
        return self._order

    def get(self, key_id: str) -> FieldKey | None:
        return self._keys.get(key_id)

    def __repr__(self) -> str:
        return f"FieldKeyring(current={self._order[0]!r}, ids={list(self._order)!r})"


_ring: FieldKeyring | None = None


def configure(ring: FieldKeyring | None) -> None:
    """Set the keyring (the server does at start, before the database is opened)."""
    global _ring
    _ring = ring


def configured() -> bool:
    return _ring is not None


def keyring() -> FieldKeyring:
    if _ring is None:
        raise RuntimeError("personal data keys are not configured (personal_data.configure)")
    return _ring
