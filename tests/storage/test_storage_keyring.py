"""Keyring parsing: the ARCHIVE_KEYS format, clear errors, and no key material in messages."""

from __future__ import annotations

import base64

import pytest

from storage import ErrorCode, InvalidKeyringError, Keyring, StorageError

pytestmark = pytest.mark.policy("P3.2.1")

KEY_A = base64.b64encode(bytes(range(32))).decode()
KEY_B = base64.b64encode(bytes(range(32, 64))).decode()


def test_parses_several_keys_first_is_current() -> None:
    ring = Keyring.from_string(f" k2026:{KEY_B} , k2025:{KEY_A} ")
    assert ring.current_id == "k2026"
    assert ring.ids == ("k2026", "k2025")
    assert ring.key("k2025") == bytes(range(32))
    assert "k2025" in ring and "nope" not in ring
    assert len(ring) == 2
    assert Keyring.from_string(ring.to_string()).ids == ring.ids


def test_generated_entries_are_valid_and_distinct() -> None:
    first, second = Keyring.generate_entry("a"), Keyring.generate_entry("a")
    assert first != second
    assert len(Keyring.from_string(first).key("a")) == 32


def test_urlsafe_and_unpadded_base64_accepted() -> None:
    raw = bytes([251] * 32)
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert Keyring.from_string(f"k:{urlsafe}").key("k") == raw


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "no archive keys"),
        ("   ", "no archive keys"),
        (f"k1:{KEY_A},", "entry 2 is empty"),
        ("k1", "not of the form"),
        (f":{KEY_A}", "not of the form"),
        ("k1:", "not of the form"),
        ("k1:***notbase64***", "not valid base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "decodes to 5 bytes"),
        (f"k1:{KEY_A},k1:{KEY_B}", "more than once"),
        (f"bad id:{KEY_A}", "invalid"),
        (f"{'x' * 65}:{KEY_A}", "invalid"),
    ],
)
def test_malformed_specs_are_rejected_clearly(spec: str, fragment: str) -> None:
    with pytest.raises(InvalidKeyringError) as caught:
        Keyring.from_string(spec)
    assert fragment in str(caught.value)
    assert caught.value.code == ErrorCode.INVALID_KEYRING
    assert isinstance(caught.value, ValueError)  # settings validators report it natively
    assert KEY_A not in str(caught.value) and KEY_B not in str(caught.value)


def test_repr_and_errors_never_show_key_material() -> None:
    ring = Keyring.from_string(f"k1:{KEY_A}")
    assert KEY_A not in repr(ring)
    with pytest.raises(StorageError) as caught:
        ring.key("k9")
    assert caught.value.code == ErrorCode.UNKNOWN_KEY_ID
    assert KEY_A not in str(caught.value)


def test_direct_construction_validates_key_length() -> None:
    with pytest.raises(InvalidKeyringError):
        Keyring([("k", b"\x00" * 16)])
    with pytest.raises(InvalidKeyringError):
        Keyring([])
