"""The secrets of the audit trail, kept out of the database: the HMAC-SHA256 key that MACs every
entry and the Ed25519 key that signs every seal, both derived from one archive key-encryption key
of `ARCHIVE_KEYS` (`storage.Keyring`).

Someone who can write the database can recompute plain hashes, but not a MAC or a signature
without these keys. Rotation follows the keyring: the first key id MACs and signs what is written
now, and each entry and seal names its key id, so older ones stay verifiable as long as their
key stays in `ARCHIVE_KEYS` (the same rule as archived documents). The derivation labels keep the
audit keys independent of the archive's own use of the same key material.

Policy: P0.3 (traceability that cannot be rewritten), P6.2.2 (internal audit of process and
permission use relies on a trustworthy trail).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from storage import Keyring

_MAC_LABEL = b"hotel-audit/entry-mac/v1"
_SIGNING_LABEL = b"hotel-audit/seal-signing/v1"

_state: dict[str, Keyring] = {}


_derived_keys: dict[tuple[str, bytes], bytes] = {}


def configure(keyring: Keyring) -> None:
    _state["keyring"] = keyring
    _derived_keys.clear()


def keyring() -> Keyring:
    current = _state.get("keyring")
    if current is None:
        raise RuntimeError("the audit keys are not configured (server.audit hook not run)")
    return current


def current_key_id() -> str:
    return keyring().current_id


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _derived(key_id: str, label: bytes) -> bytes:
    derived = _derived_keys.get((key_id, label))
    if derived is None:
        derived = hmac.new(keyring().key(key_id), label, hashlib.sha256).digest()
        _derived_keys[(key_id, label)] = derived
    return derived


def timestamp(moment: dt.datetime) -> str:
    # One spelling whatever the backend returns (SQLite text, PostgreSQL timestamptz).
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class EntryFields:
    """What an entry's MAC covers: its id (its place in the trail) and every recorded field."""

    id: int
    at: dt.datetime
    actor_kind: str
    actor_id: str | None
    action: str
    subject_type: str | None
    subject_id: str | None
    outcome: str
    detail: str
    request_id: str | None
    client_ip: str | None
    key_id: str | None

    @classmethod
    def of(cls, row) -> EntryFields:
        get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
        return cls(*(get(name) for name in cls.__dataclass_fields__))

    def message(self, at_id: int | None = None) -> bytes:
        body = {name: getattr(self, name) for name in self.__dataclass_fields__}
        body["id"] = self.id if at_id is None else at_id
        body["at"] = timestamp(self.at)
        return canonical(body)


# The columns to read for checking an entry: its MAC'd fields and the MAC.
ENTRY_COLUMNS = (*EntryFields.__dataclass_fields__, "mac")


class UnknownKey(Exception):
    """The entry or seal names a key id that is no longer (or never was) in the keyring."""


def mac(key_id: str, message: bytes) -> str:
    if key_id not in keyring():
        raise UnknownKey(key_id)
    return hmac.new(_derived(key_id, _MAC_LABEL), message, hashlib.sha256).hexdigest()


def mac_matches(key_id: str | None, message: bytes, expected: str) -> bool:
    if key_id is None or key_id not in keyring():
        return False
    return hmac.compare_digest(mac(key_id, message), expected)


def _signing_key(key_id: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_derived(key_id, _SIGNING_LABEL))


def public_key(key_id: str) -> bytes:
    return _signing_key(key_id).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(key_id: str, statement: bytes) -> bytes:
    return _signing_key(key_id).sign(statement)


def signature_valid(key_id: str, statement: bytes, signature: bytes) -> bool:
    if key_id not in keyring():
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key(key_id)).verify(signature, statement)
    except InvalidSignature:
        return False
    return True
