"""The archive's key-encryption keys (KEKs), parsed from ``ARCHIVE_KEYS``.

Format: ``keyid:base64-of-32-bytes[,keyid2:base64...]``. The first entry is the current KEK,
used to seal every new object; the others stay only so that objects sealed before a rotation
can still be opened and re-wrapped (see ``crypto.rewrap``). Key ids are written into every
object header, so they must be short, printable and never reused for different key material.

Policy: P3.2.1 (AES-256 keys for the legal tier and the others, rotatable without re-encrypting
document bodies).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterable

from .errors import InvalidKeyringError, UnknownKeyIdError

KEY_BYTES = 32
FINGERPRINT_BYTES = 8
KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# A fingerprint tells "this id names other key material" apart from "the object was altered",
# which a failed unwrap alone cannot; it is an HMAC so it reveals nothing about the key.
_FINGERPRINT_LABEL = b"hotel-archive/kek-fingerprint/v1"


def key_fingerprint(key: bytes) -> bytes:
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).digest()[:FINGERPRINT_BYTES]


def validate_key_id(key_id: str) -> str:
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.fullmatch(key_id):
        raise InvalidKeyringError(
            f"key id {key_id!r} is invalid: use 1-64 characters from A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit"
        )
    return key_id


class Keyring:
    """An ordered set of 32-byte KEKs by id; the first is current."""

    __slots__ = ("_fingerprints", "_keys", "_order")

    def __init__(self, entries: Iterable[tuple[str, bytes]]) -> None:
        keys: dict[str, bytes] = {}
        for key_id, key in entries:
            validate_key_id(key_id)
            if key_id in keys:
                raise InvalidKeyringError(f"key id {key_id!r} appears more than once")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise InvalidKeyringError(
                    f"key {key_id!r} must be exactly {KEY_BYTES} bytes (AES-256)"
                )
            keys[key_id] = key
        if not keys:
            raise InvalidKeyringError("the keyring is empty: at least one key is required")
        self._keys = keys
        self._order = tuple(keys)
        self._fingerprints = {key_id: key_fingerprint(key) for key_id, key in keys.items()}

    @classmethod
    def from_string(cls, spec: str) -> Keyring:
        """Parse ``keyid:base64,...``; errors name the entry and key id but never the key."""
        if not isinstance(spec, str) or not spec.strip():
            raise InvalidKeyringError(
                "no archive keys configured: expected 'keyid:base64-of-32-bytes[,...]'"
            )
        entries: list[tuple[str, bytes]] = []
        for position, raw in enumerate(spec.split(","), start=1):
            entry = raw.strip()
            if not entry:
                raise InvalidKeyringError(f"entry {position} is empty (stray comma?)")
            key_id, sep, encoded = entry.partition(":")
            key_id, encoded = key_id.strip(), encoded.strip()
            if not sep or not key_id or not encoded:
                raise InvalidKeyringError(
                    f"entry {position} is not of the form 'keyid:base64-of-32-bytes'"
                )
            validate_key_id(key_id)
            entries.append((key_id, _decode_key(encoded, position, key_id)))
        return cls(entries)

    @staticmethod
    def generate_entry(key_id: str) -> str:
        """A fresh ``keyid:base64`` entry from the OS CSPRNG, for setup and rotation."""
        validate_key_id(key_id)
        return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"

    def to_string(self) -> str:
        """The ``ARCHIVE_KEYS`` form of this keyring (contains secrets: store it as one)."""
        return ",".join(
            f"{key_id}:{base64.b64encode(self._keys[key_id]).decode('ascii')}"
            for key_id in self._order
        )

    @property
    def current_id(self) -> str:
        return self._order[0]

    @property
    def ids(self) -> tuple[str, ...]:
        return self._order

    def key(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise UnknownKeyIdError(
                f"key id {key_id!r} is not in the keyring (holds: {', '.join(self._order)})",
                key_id=key_id,
            ) from None

    def fingerprint(self, key_id: str) -> bytes:
        self.key(key_id)
        return self._fingerprints[key_id]

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._order)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current_id!r}, ids={list(self._order)!r})"


def _decode_key(encoded: str, position: int, key_id: str) -> bytes:
    # Operators paste keys from different tools, so both base64 alphabets are accepted.
    alphabet = "-_" if ("-" in encoded or "_" in encoded) else "+/"
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(padded, altchars=alphabet.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKeyringError(
            f"entry {position} ({key_id!r}): the key is not valid base64"
        ) from None
    if len(key) != KEY_BYTES:
        raise InvalidKeyringError(
            f"entry {position} ({key_id!r}): the key decodes to {len(key)} bytes, "
            f"need exactly {KEY_BYTES} (AES-256)"
        )
    return key
