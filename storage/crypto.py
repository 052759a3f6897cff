"""Envelope encryption of archive objects: streaming AES-256-GCM under a per-object data key.

Object layout::

    header | chunk 0 | chunk 1 | ... | chunk n (final)

Header (big-endian): magic ``HARC``, version, key-id length + key id, KEK fingerprint, wrap
nonce, wrapped data key (AES-256-GCM under the KEK), nonce prefix, chunk size, and a SHA-256
checksum of the preceding header bytes. Each chunk is ``AES-256-GCM(data key, nonce, plaintext,
aad)`` with ``nonce = prefix(8) || counter(4)``; the AAD binds the chunk to the header's body
parameters, the document id, the tier, its position and whether it is the last chunk, so a
swapped object, reordered, dropped or appended chunks all fail authentication.

The data key is wrapped with AAD covering only the magic, version and key id, so ``rewrap`` can
move an object to the current KEK by rewriting the header alone: the body is untouched.

Policy: P3.2.1 (AES-256 encryption of the archive, tamper evidence as the Electronic Signature
Law expects of stored legal documents), P3.2.2 (customer files unreadable without the key).
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import TamperedError, WrongKeyError
from .keyring import FINGERPRINT_BYTES, KEY_BYTES, Keyring, validate_key_id
from .streams import Reader, Source, as_reader, read_exact

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "Header",
    "Keyring",
    "decrypt",
    "decrypt_bytes",
    "encrypt",
    "encrypt_bytes",
    "read_header",
    "rewrap",
]

MAGIC = b"HARC"
VERSION = 1
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 64
# Bounds what a hostile header can make a reader allocate per chunk.
MAX_CHUNK_SIZE = 64 << 20
TAG_BYTES = 16
NONCE_BYTES = 12
NONCE_PREFIX_BYTES = 8
WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES
CHECKSUM_BYTES = 16
MAX_CHUNKS = 1 << 32
MAX_DOCUMENT_ID_BYTES = 255

_FIXED_PREFIX = len(MAGIC) + 2  # magic, version, key-id length
_AFTER_KEY_ID = (
    FINGERPRINT_BYTES + NONCE_BYTES + WRAPPED_KEY_BYTES + NONCE_PREFIX_BYTES + 4 + CHECKSUM_BYTES
)


@dataclass(frozen=True)
class Header:
    kek_id: str
    kek_fingerprint: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    nonce_prefix: bytes
    chunk_size: int
    version: int = VERSION

    def _unchecked_bytes(self) -> bytes:
        key_id = self.kek_id.encode("ascii")
        return b"".join(
            (
                MAGIC,
                bytes((self.version, len(key_id))),
                key_id,
                self.kek_fingerprint,
                self.wrap_nonce,
                self.wrapped_key,
                self.nonce_prefix,
                struct.pack(">I", self.chunk_size),
            )
        )

    def to_bytes(self) -> bytes:
        body = self._unchecked_bytes()
        return body + hashlib.sha256(body).digest()[:CHECKSUM_BYTES]

    @property
    def size(self) -> int:
        return _FIXED_PREFIX + len(self.kek_id) + _AFTER_KEY_ID

    @classmethod
    def from_bytes(cls, data: bytes) -> Header:
        """Parse a header that is exactly ``data``; any malformation is ``TAMPERED``."""
        if len(data) < _FIXED_PREFIX or data[: len(MAGIC)] != MAGIC:
            raise TamperedError("not an archive object (bad magic or too short)")
        version, id_len = data[len(MAGIC)], data[len(MAGIC) + 1]
        expected = _FIXED_PREFIX + id_len + _AFTER_KEY_ID
        if len(data) != expected:
            raise TamperedError(f"header is {len(data)} bytes, its layout needs {expected}")
        body, checksum = data[:-CHECKSUM_BYTES], data[-CHECKSUM_BYTES:]
        if hashlib.sha256(body).digest()[:CHECKSUM_BYTES] != checksum:
            raise TamperedError("header checksum mismatch: the header was altered")
        if version != VERSION:
            raise TamperedError(f"unsupported archive object version {version}")
        pos = _FIXED_PREFIX
        try:
            kek_id = validate_key_id(data[pos : pos + id_len].decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise TamperedError("header carries an invalid key id") from None
        pos += id_len
        fields = []
        for width in (FINGERPRINT_BYTES, NONCE_BYTES, WRAPPED_KEY_BYTES, NONCE_PREFIX_BYTES):
            fields.append(data[pos : pos + width])
            pos += width
        (chunk_size,) = struct.unpack(">I", data[pos : pos + 4])
        if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
            raise TamperedError(f"header declares an impossible chunk size {chunk_size}")
        fingerprint, wrap_nonce, wrapped_key, nonce_prefix = fields
        return cls(kek_id, fingerprint, wrap_nonce, wrapped_key, nonce_prefix, chunk_size, version)


def read_header(reader: Reader) -> Header:
    """Read exactly one header from the front of a stream, leaving the body unread."""
    prefix = read_exact(reader, _FIXED_PREFIX)
    if len(prefix) < _FIXED_PREFIX or prefix[: len(MAGIC)] != MAGIC:
        raise TamperedError("not an archive object (bad magic or too short)")
    rest_len = prefix[-1] + _AFTER_KEY_ID
    rest = read_exact(reader, rest_len)
    if len(rest) < rest_len:
        raise TamperedError("object ends inside its header (truncated)")
    return Header.from_bytes(prefix + rest)


def _wrap_aad(version: int, kek_id: str) -> bytes:
    key_id = kek_id.encode("ascii")
    return MAGIC + bytes((version, len(key_id))) + key_id + b"/data-key"


def _unwrap(header: Header, keyring: Keyring) -> bytes:
    kek = keyring.key(header.kek_id)
    if keyring.fingerprint(header.kek_id) != header.kek_fingerprint:
        raise WrongKeyError(
            f"key id {header.kek_id!r} in the keyring is not the key this object was sealed with"
        )
    try:
        return AESGCM(kek).decrypt(
            header.wrap_nonce, header.wrapped_key, _wrap_aad(header.version, header.kek_id)
        )
    except InvalidTag:
        raise TamperedError("the wrapped data key fails authentication") from None


def _seal_key(data_key: bytes, keyring: Keyring, nonce_prefix: bytes, chunk_size: int) -> Header:
    kek_id = keyring.current_id
    wrap_nonce = os.urandom(NONCE_BYTES)
    wrapped = AESGCM(keyring.key(kek_id)).encrypt(wrap_nonce, data_key, _wrap_aad(VERSION, kek_id))
    return Header(
        kek_id=kek_id,
        kek_fingerprint=keyring.fingerprint(kek_id),
        wrap_nonce=wrap_nonce,
        wrapped_key=wrapped,
        nonce_prefix=nonce_prefix,
        chunk_size=chunk_size,
    )


class _ChunkContext:
    """Nonces and associated data for one object's chunks."""

    def __init__(self, header: Header, document_id: str, tier: int) -> None:
        doc = document_id.encode("utf-8")
        self._prefix = header.nonce_prefix
        self._aad_base = b"".join(
            (
                MAGIC,
                bytes((header.version,)),
                struct.pack(">I", header.chunk_size),
                header.nonce_prefix,
                bytes((tier,)),
                struct.pack(">H", len(doc)),
                doc,
            )
        )

    def nonce(self, index: int) -> bytes:
        if index >= MAX_CHUNKS:
            raise ValueError("object has more chunks than the nonce counter allows")
        return self._prefix + struct.pack(">I", index)

    def aad(self, index: int, final: bool) -> bytes:
        return self._aad_base + struct.pack(">I?", index, final)


def _check_binding(document_id: str, tier: int) -> None:
    if not isinstance(document_id, str) or not document_id:
        raise ValueError("document_id must be a non-empty string")
    if len(document_id.encode("utf-8")) > MAX_DOCUMENT_ID_BYTES:
        raise ValueError(f"document_id must be at most {MAX_DOCUMENT_ID_BYTES} bytes of UTF-8")
    if isinstance(tier, bool) or not isinstance(tier, int) or not 0 <= tier <= 255:
        raise ValueError("tier must be an int between 0 and 255")


def encrypt(
    source: Source,
    keyring: Keyring,
    *,
    document_id: str,
    tier: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[bytes]:
    """Encrypt ``source`` under a fresh data key; yields the header, then one piece per chunk.

    Holds at most two plaintext chunks and one ciphertext chunk at a time.
    """
    _check_binding(document_id, tier)
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE}")
    reader = as_reader(source)
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    header = _seal_key(data_key, keyring, os.urandom(NONCE_PREFIX_BYTES), chunk_size)
    return _encrypt_chunks(reader, AESGCM(data_key), header, document_id, tier)


def _encrypt_chunks(
    reader: Reader, aead: AESGCM, header: Header, document_id: str, tier: int
) -> Iterator[bytes]:
    context = _ChunkContext(header, document_id, tier)
    size = header.chunk_size
    yield header.to_bytes()
    current = read_exact(reader, size)
    index = 0
    while True:
        # Reading one chunk ahead is what lets the last chunk be flagged final.
        following = read_exact(reader, size) if len(current) == size else b""
        final = not following
        yield aead.encrypt(context.nonce(index), current, context.aad(index, final))
        if final:
            return
        current = following
        index += 1


def decrypt(source: Source, keyring: Keyring, *, document_id: str, tier: int) -> Iterator[bytes]:
    """Decrypt an object, yielding authenticated plaintext chunks.

    The header is read and the data key unwrapped before this returns, so a wrong key or an
    altered header fails here. Each yielded chunk is already authenticated; truncation can only
    be known at the end, so a consumer must treat the stream as valid only once it is exhausted
    without ``TamperedError``.
    """
    _check_binding(document_id, tier)
    reader = as_reader(source)
    header = read_header(reader)
    data_key = _unwrap(header, keyring)
    return _decrypt_chunks(reader, AESGCM(data_key), header, document_id, tier)


def _decrypt_chunks(
    reader: Reader, aead: AESGCM, header: Header, document_id: str, tier: int
) -> Iterator[bytes]:
    context = _ChunkContext(header, document_id, tier)
    sealed_size = header.chunk_size + TAG_BYTES
    current = read_exact(reader, sealed_size)
    index = 0
    while True:
        if len(current) < TAG_BYTES:
            raise TamperedError("object is truncated (chunk shorter than its tag)")
        following = read_exact(reader, sealed_size) if len(current) == sealed_size else b""
        final = not following
        try:
            plaintext = aead.decrypt(context.nonce(index), current, context.aad(index, final))
        except InvalidTag:
            raise TamperedError(
                f"chunk {index} fails authentication: the object was altered, truncated, "
                "extended, or belongs to another document or tier"
            ) from None
        yield plaintext
        if final:
            return
        current = following
        index += 1


def encrypt_bytes(
    plaintext: bytes,
    keyring: Keyring,
    *,
    document_id: str,
    tier: int,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> bytes:
    return b"".join(
        encrypt(plaintext, keyring, document_id=document_id, tier=tier, chunk_size=chunk_size)
    )


def decrypt_bytes(ciphertext: bytes, keyring: Keyring, *, document_id: str, tier: int) -> bytes:
    return b"".join(decrypt(ciphertext, keyring, document_id=document_id, tier=tier))


def rewrap(header_bytes: bytes, keyring: Keyring) -> bytes:
    """Re-wrap an object's data key under the keyring's current KEK; the body stays valid.

    ``header_bytes`` is exactly the header (``Header.size`` bytes from the object's start).
    A header already under the current KEK is returned unchanged, so rotation is idempotent.
    """
    header = Header.from_bytes(bytes(header_bytes))
    if header.kek_id == keyring.current_id:
        _unwrap(header, keyring)
        return bytes(header_bytes)
    data_key = _unwrap(header, keyring)
    return _seal_key(data_key, keyring, header.nonce_prefix, header.chunk_size).to_bytes()
