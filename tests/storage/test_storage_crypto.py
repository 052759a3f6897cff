"""Envelope encryption: round trips, wrong keys, tampering, truncation, swaps, rotation, memory."""

from __future__ import annotations

import hashlib
import os
import struct
import tracemalloc
from collections.abc import Iterator

import pytest

from storage import (
    ErrorCode,
    Header,
    Keyring,
    StorageError,
    decrypt,
    decrypt_bytes,
    encrypt,
    encrypt_bytes,
    read_header,
    rewrap,
)
from storage.crypto import CHECKSUM_BYTES, TAG_BYTES
from storage.streams import IterReader

pytestmark = pytest.mark.policy("P3.2.1")

SMALL = 64  # chunk size that makes multi-chunk objects out of a few hundred bytes
DOC = "doc-0001"


def seal(data: bytes, keyring: Keyring, *, doc: str = DOC, tier: int = 1, chunk=SMALL) -> bytes:
    return encrypt_bytes(data, keyring, document_id=doc, tier=tier, chunk_size=chunk)


def expect_code(code: ErrorCode, ciphertext: bytes, keyring: Keyring, *, doc=DOC, tier=1) -> None:
    with pytest.raises(StorageError) as caught:
        decrypt_bytes(ciphertext, keyring, document_id=doc, tier=tier)
    assert caught.value.code == code, caught.value


def header_len(ciphertext: bytes) -> int:
    return read_header(IterReader([ciphertext])).size


@pytest.mark.parametrize("size", [0, 1, SMALL - 1, SMALL, SMALL + 1, 3 * SMALL, 5 * SMALL + 7])
def test_round_trip_across_chunk_boundaries(keyring: Keyring, size: int) -> None:
    data = os.urandom(size)
    ciphertext = seal(data, keyring)
    assert decrypt_bytes(ciphertext, keyring, document_id=DOC, tier=1) == data
    chunks = max(1, -(-size // SMALL))
    assert len(ciphertext) == header_len(ciphertext) + size + chunks * TAG_BYTES


def test_default_chunking_and_fresh_key_per_object(keyring: Keyring) -> None:
    data = os.urandom(3 * (1 << 20) + 11)
    first = encrypt_bytes(data, keyring, document_id=DOC, tier=2)
    second = encrypt_bytes(data, keyring, document_id=DOC, tier=2)
    assert first != second  # fresh data key and nonce prefix each time
    assert data not in first and data[:4096] not in first
    assert decrypt_bytes(first, keyring, document_id=DOC, tier=2) == data


def test_file_like_and_iterable_sources(keyring: Keyring, tmp_path) -> None:
    data = os.urandom(1000)
    path = tmp_path / "plain.bin"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        from_file = seal(handle, keyring)  # type: ignore[arg-type]
    from_iterable = b"".join(
        encrypt(iter([data[:10], data[10:900], data[900:]]), keyring, document_id=DOC, tier=1)
    )
    for ciphertext in (from_file, from_iterable):
        assert decrypt_bytes(ciphertext, keyring, document_id=DOC, tier=1) == data


def test_header_is_self_describing(keyring: Keyring) -> None:
    ciphertext = seal(b"x" * 200, keyring)
    header = read_header(IterReader([ciphertext]))
    assert ciphertext.startswith(b"HARC")
    assert header.kek_id == "k1"
    assert header.chunk_size == SMALL
    assert header.to_bytes() == ciphertext[: header.size]


def test_same_key_id_with_other_key_material_is_wrong_key(keyring: Keyring) -> None:
    ciphertext = seal(b"contract", keyring)
    impostor = Keyring.from_string(Keyring.generate_entry("k1"))
    expect_code(ErrorCode.WRONG_KEY, ciphertext, impostor)


def test_keyring_without_the_key_id_is_unknown_key_id(keyring: Keyring) -> None:
    ciphertext = seal(b"contract", keyring)
    other = Keyring.from_string(Keyring.generate_entry("k2"))
    expect_code(ErrorCode.UNKNOWN_KEY_ID, ciphertext, other)


def test_wrong_key_is_reported_before_any_plaintext(keyring: Keyring) -> None:
    ciphertext = seal(b"a" * 500, keyring)
    impostor = Keyring.from_string(Keyring.generate_entry("k1"))
    with pytest.raises(StorageError) as caught:
        decrypt(ciphertext, impostor, document_id=DOC, tier=1)  # eager: no iteration needed
    assert caught.value.code == ErrorCode.WRONG_KEY


def test_flipping_any_header_byte_is_tampered(keyring: Keyring) -> None:
    ciphertext = seal(b"legal text " * 30, keyring)
    for position in range(header_len(ciphertext)):
        damaged = bytearray(ciphertext)
        damaged[position] ^= 0x01
        expect_code(ErrorCode.TAMPERED, bytes(damaged), keyring)


@pytest.mark.parametrize("offset", [0, 17, SMALL + TAG_BYTES + 3, -1])
def test_flipping_one_body_byte_is_tampered(keyring: Keyring, offset: int) -> None:
    ciphertext = seal(b"legal text " * 30, keyring)
    position = header_len(ciphertext) + offset if offset >= 0 else len(ciphertext) + offset
    damaged = bytearray(ciphertext)
    damaged[position] ^= 0x80
    expect_code(ErrorCode.TAMPERED, bytes(damaged), keyring)


def _forge(ciphertext: bytes, **changes: object) -> bytes:
    """Alter header fields and recompute the checksum, as a deliberate attacker would."""
    size = header_len(ciphertext)
    header = Header.from_bytes(ciphertext[:size])
    fields = {**header.__dict__, **changes}
    return Header(**fields).to_bytes() + ciphertext[size:]  # type: ignore[arg-type]


def test_forged_headers_with_valid_checksum_still_fail(keyring: Keyring) -> None:
    ciphertext = seal(b"legal text " * 30, keyring)
    header = read_header(IterReader([ciphertext]))
    flipped_key = bytes([header.wrapped_key[0] ^ 1]) + header.wrapped_key[1:]
    flipped_prefix = bytes([header.nonce_prefix[0] ^ 1]) + header.nonce_prefix[1:]
    for forged in (
        _forge(ciphertext, wrapped_key=flipped_key),
        _forge(ciphertext, nonce_prefix=flipped_prefix),
        _forge(ciphertext, chunk_size=SMALL * 2),
    ):
        expect_code(ErrorCode.TAMPERED, forged, keyring)


def test_dropping_the_last_chunk_is_detected(keyring: Keyring) -> None:
    data = os.urandom(4 * SMALL)  # exactly four full chunks
    ciphertext = seal(data, keyring)
    sealed_chunk = SMALL + TAG_BYTES
    expect_code(ErrorCode.TAMPERED, ciphertext[:-sealed_chunk], keyring)


@pytest.mark.parametrize("cut", [1, TAG_BYTES, TAG_BYTES + 1])
def test_cutting_bytes_off_the_end_is_detected(keyring: Keyring, cut: int) -> None:
    ciphertext = seal(os.urandom(3 * SMALL + 10), keyring)
    expect_code(ErrorCode.TAMPERED, ciphertext[:-cut], keyring)


def test_body_removed_entirely_is_detected(keyring: Keyring) -> None:
    ciphertext = seal(b"", keyring)
    expect_code(ErrorCode.TAMPERED, ciphertext[: header_len(ciphertext)], keyring)


def test_appended_and_reordered_chunks_are_detected(keyring: Keyring) -> None:
    ciphertext = seal(os.urandom(3 * SMALL), keyring)
    size = header_len(ciphertext)
    sealed = SMALL + TAG_BYTES
    chunks = [ciphertext[size + i * sealed : size + (i + 1) * sealed] for i in range(3)]
    expect_code(ErrorCode.TAMPERED, ciphertext + chunks[0], keyring)
    expect_code(ErrorCode.TAMPERED, ciphertext + b"\x00", keyring)
    swapped = ciphertext[:size] + chunks[1] + chunks[0] + chunks[2]
    expect_code(ErrorCode.TAMPERED, swapped, keyring)


def test_truncation_is_only_final_after_earlier_chunks_were_authentic(keyring: Keyring) -> None:
    data = os.urandom(4 * SMALL)
    ciphertext = seal(data, keyring)[: -(SMALL + TAG_BYTES)]
    stream = decrypt(ciphertext, keyring, document_id=DOC, tier=1)
    received = [next(stream), next(stream)]
    assert b"".join(received) == data[: 2 * SMALL]
    with pytest.raises(StorageError) as caught:
        list(stream)
    assert caught.value.code == ErrorCode.TAMPERED


def test_object_swapped_between_documents_or_tiers_fails(keyring: Keyring) -> None:
    contract_a = seal(b"contract for guest A", keyring, doc="doc-A")
    contract_b = seal(b"contract for guest B", keyring, doc="doc-B")
    expect_code(ErrorCode.TAMPERED, contract_a, keyring, doc="doc-B")
    expect_code(ErrorCode.TAMPERED, contract_b, keyring, doc="doc-A")
    expect_code(ErrorCode.TAMPERED, contract_a, keyring, doc="doc-A", tier=2)
    # Grafting A's header onto B's body fails too: the data keys differ.
    size = header_len(contract_a)
    expect_code(ErrorCode.TAMPERED, contract_a[:size] + contract_b[size:], keyring, doc="doc-B")


def test_rotation_rewraps_header_only_and_retires_old_key() -> None:
    old_entry = Keyring.generate_entry("2025")
    new_entry = Keyring.generate_entry("2026")
    old_ring = Keyring.from_string(old_entry)
    rotating = Keyring.from_string(f"{new_entry},{old_entry}")
    new_only = Keyring.from_string(new_entry)
    data = os.urandom(5 * SMALL + 3)
    ciphertext = seal(data, old_ring)
    size = header_len(ciphertext)

    expect_code(ErrorCode.UNKNOWN_KEY_ID, ciphertext, new_only)
    # Both keys in the ring: old objects still open during the rotation.
    assert decrypt_bytes(ciphertext, rotating, document_id=DOC, tier=1) == data

    new_header = rewrap(ciphertext[:size], rotating)
    rotated = new_header + ciphertext[size:]
    assert ciphertext[size:] == rotated[len(new_header) :]  # body untouched
    assert read_header(IterReader([rotated])).kek_id == "2026"
    assert decrypt_bytes(rotated, new_only, document_id=DOC, tier=1) == data
    assert rewrap(new_header, rotating) == new_header  # idempotent
    with pytest.raises(StorageError) as caught:
        rewrap(ciphertext[:size], new_only)  # the old key is needed to re-wrap
    assert caught.value.code == ErrorCode.UNKNOWN_KEY_ID


def test_rewrap_rejects_a_damaged_header(keyring: Keyring) -> None:
    ciphertext = seal(b"x", keyring)
    size = header_len(ciphertext)
    damaged = bytearray(ciphertext[:size])
    damaged[size - CHECKSUM_BYTES - 1] ^= 1
    with pytest.raises(StorageError) as caught:
        rewrap(bytes(damaged), keyring)
    assert caught.value.code == ErrorCode.TAMPERED


def _generated(total: int, seed: bytes, block: int = 1 << 20) -> Iterator[bytes]:
    for index in range(total // block):
        yield struct.pack(">Q", index) + seed[8:]
    if total % block:
        yield seed[: total % block]


def test_streaming_50_mb_in_bounded_memory(keyring: Keyring) -> None:
    total = 50 * (1 << 20) + 12345
    seed = os.urandom(1 << 20)
    expected = hashlib.sha256()
    for piece in _generated(total, seed):
        expected.update(piece)
    tracemalloc.start()
    try:
        sealed = encrypt(_generated(total, seed), keyring, document_id=DOC, tier=1)
        opened = decrypt(IterReader(sealed), keyring, document_id=DOC, tier=1)
        actual = hashlib.sha256()
        size = 0
        for piece in opened:
            actual.update(piece)
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert size == total
    assert actual.hexdigest() == expected.hexdigest()
    assert peak < 20 * (1 << 20), f"peak {peak / (1 << 20):.1f} MiB"


def test_invalid_arguments_are_programming_errors(keyring: Keyring) -> None:
    with pytest.raises(ValueError):
        seal(b"x", keyring, doc="")
    with pytest.raises(ValueError):
        seal(b"x", keyring, chunk=8)
    with pytest.raises(TypeError):
        encrypt_bytes("text", keyring, document_id=DOC, tier=1)  # type: ignore[arg-type]
