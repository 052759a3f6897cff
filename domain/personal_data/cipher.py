"""Field encryption, blind indexes and search terms under the field keyring.

Ciphertext is text: ``pd1:<key id>:<base64url(nonce || AES-256-GCM(ciphertext || tag))>``.
The associated data binds it to the format, the key id and a context (``table.column``), so a
value copied into another column, or its key id edited, fails authentication instead of
decrypting. A value that is not in this format is legacy plaintext from before encryption: it
reads as itself, and `rotation.reencrypt()` encrypts it.

A blind index is HMAC-SHA256 over the kind of data and the normalised value under the index
key (first 128 bits, hex): equal values have equal indexes, and nobody without the key can
compute one, so a dictionary of phone numbers does not reveal the rows. Lookups compute the
index under every key of the ring, so they keep working while rows move to a new key.

Search terms let staff find a guest by a word of the name, e-mail or phone, or the start of one
(at least `MIN_PREFIX` characters), without the plaintext in the database: each word and each
prefix becomes a 64-bit keyed tag, stored space-separated. The cost, as with any blind index, is
that a reader of the database sees which rows share a word or prefix, not what it is.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.personal_data.keys import FieldKey, keyring

PREFIX = "pd1:"
NONCE_BYTES = 12
INDEX_HEX = 32
TAG_HEX = 16
MIN_PREFIX = 3
MAX_WORD = 64


class PersonalDataError(RuntimeError):
    """A stored value cannot be decrypted: its key is not in the ring, or it was altered."""


def _aad(key_id: str, context: str) -> bytes:
    return b"\x00".join((PREFIX.encode(), key_id.encode(), context.encode()))


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id_of(value: str | None) -> str | None:
    """The key id a stored value was encrypted under (None for legacy plaintext or NULL)."""
    if not is_encrypted(value):
        return None
    return value[len(PREFIX) :].partition(":")[0]  # type: ignore[index]


def encrypt(plaintext: str, context: str) -> str:
    key = keyring().current
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key.encryption_key).encrypt(
        nonce, plaintext.encode("utf-8"), _aad(key.key_id, context)
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}{key.key_id}:{body}"


def decrypt(stored: str, context: str) -> str:
    if not is_encrypted(stored):
        return stored
    key_id, sep, body = stored[len(PREFIX) :].partition(":")
    key = keyring().get(key_id)
    if not sep or key is None:
        raise PersonalDataError(
            f"{context}: encrypted under key {key_id!r}, which is not in the field keyring"
        )
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        plaintext = AESGCM(key.encryption_key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, context)
        )
    except (InvalidTag, ValueError, binascii.Error):
        raise PersonalDataError(f"{context}: a stored value fails authentication") from None
    return plaintext.decode("utf-8")


@functools.lru_cache(maxsize=16)
def _keyed(index_key: bytes) -> hmac.HMAC:
    # The keyed state, computed once: a search column needs dozens of MACs per profile.
    return hmac.new(index_key, digestmod=hashlib.sha256)


def _mac(key: FieldKey, label: bytes, value: str) -> str:
    mac = _keyed(key.index_key).copy()
    mac.update(label + b"\x00" + value.encode("utf-8"))
    return mac.hexdigest()


def _normal(value: str) -> str:
    return " ".join(value.split()).casefold()


def blind_index(kind: str, value: str | None) -> str | None:
    """The blind index of `value` (under the current key) to store next to its ciphertext."""
    if value is None or not value.strip():
        return None
    return _mac(keyring().current, kind.encode(), _normal(value))[:INDEX_HEX]


def blind_indexes(kind: str, value: str) -> list[str]:
    """What `value`'s blind index may be under any key of the ring: filter with `__in`."""
    return [_mac(key, kind.encode(), _normal(value))[:INDEX_HEX] for key in keyring().keys]


def _tag(key: FieldKey, word: str) -> str:
    return _mac(key, b"search-term", word)[:TAG_HEX]


def _prefixes(word: str) -> Iterable[str]:
    word = word[:MAX_WORD]
    yield word
    yield from (word[:n] for n in range(MIN_PREFIX, len(word)))


def search_terms(words: Iterable[str]) -> str:
    """The stored search column for these words: tags of each word and its prefixes."""
    key = keyring().current
    tags = {_tag(key, prefix) for word in words if word for prefix in _prefixes(_normal(word))}
    return f" {' '.join(sorted(tags))} " if tags else ""


def search_filter_tags(words: Iterable[str]) -> list[list[str]]:
    """Per query word, the ``" tag "`` strings that match it under any key: a row matches
    when, for every word, its search column contains one of them."""
    return [
        [f" {_tag(key, _normal(word)[:MAX_WORD])} " for key in keyring().keys]
        for word in words
        if word.strip()
    ]


_PHONE_QUERY = re.compile(r"[+\d\s\-().]+")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def words_of(kind: str, value: str | None) -> list[str]:
    """The searchable words of a name, an e-mail address or a phone number."""
    if not value:
        return []
    if kind == "email":
        return [value, value.rpartition("@")[0]]
    if kind == "phone":
        return [value, value.lstrip("+")]
    return value.split()


def query_words(text: str) -> list[str]:
    """A search box's text as words: a phone number (with its separators) is one word."""
    text = (text or "").strip()
    if _PHONE_QUERY.fullmatch(text) and sum(c.isdigit() for c in text) >= MIN_PREFIX:
        return [_PHONE_SEPARATORS.sub("", text)]
    return text.split()
