"""The local-folder store: atomic writes, sidecar checksums, retention, unavailability."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from storage import ErrorCode, LocalBackend, StorageError


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def code_of(call, *args, **kwargs) -> ErrorCode:
    with pytest.raises(StorageError) as caught:
        call(*args, **kwargs)
    return caught.value.code


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock: Clock) -> LocalBackend:
    return LocalBackend(tmp_path / "archive", name="primary", clock=clock)


def test_put_head_open_list_delete(store: LocalBackend) -> None:
    data = os.urandom(3 * (1 << 20) + 5)
    info = store.put("tier-1/2026/11/a.enc", data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.size == len(data)
    assert store.head("tier-1/2026/11/a.enc") == info
    assert store.get_bytes("tier-1/2026/11/a.enc") == data
    assert store.checksum("tier-1/2026/11/a.enc") == info.sha256
    store.put_bytes("tier-2/2026/11/b.enc", b"b")
    store.put(("tier-2/2026/12/c.enc"), iter([b"c", b"c"]))
    assert list(store.list_keys()) == [
        "tier-1/2026/11/a.enc",
        "tier-2/2026/11/b.enc",
        "tier-2/2026/12/c.enc",
    ]
    assert list(store.list_keys("tier-2/2026/1")) == [
        "tier-2/2026/11/b.enc",
        "tier-2/2026/12/c.enc",
    ]
    assert list(store.list_keys("tier-3")) == []
    assert store.exists("tier-2/2026/11/b.enc")
    store.delete("tier-2/2026/11/b.enc")
    assert not store.exists("tier-2/2026/11/b.enc")
    assert code_of(store.delete, "tier-2/2026/11/b.enc") == ErrorCode.NOT_FOUND
    assert code_of(store.open, "tier-2/2026/11/b.enc") == ErrorCode.NOT_FOUND
    assert code_of(store.head, "nothing") == ErrorCode.NOT_FOUND
    assert not (store.root / "objects" / "tier-2" / "2026" / "11").exists()  # pruned


def test_checksum_mismatch_leaves_previous_object_intact(store: LocalBackend) -> None:
    store.put("k", b"original")
    wrong = hashlib.sha256(b"something else").hexdigest()
    assert code_of(store.put, "k", b"replacement", sha256=wrong) == ErrorCode.TAMPERED
    assert store.get_bytes("k") == b"original"
    assert os.listdir(store.root / "tmp") == []


def test_failed_source_leaves_no_partial_object(store: LocalBackend) -> None:
    def broken():
        yield b"x" * 1000
        raise OSError("upload connection dropped")

    with pytest.raises(StorageError):
        store.put("k", broken())
    assert not store.exists("k")
    assert os.listdir(store.root / "tmp") == []


@pytest.mark.policy("P3.2.3")
def test_retention_refuses_delete_and_overwrite_until_expiry(
    store: LocalBackend, clock: Clock
) -> None:
    until = clock.now + timedelta(days=365 * 3)
    store.put("records/2026-11.enc", b"work record", retain_until=until)
    assert store.head("records/2026-11.enc").retain_until == until
    with pytest.raises(StorageError) as caught:
        store.delete("records/2026-11.enc")
    assert caught.value.code == ErrorCode.RETENTION_LOCKED
    assert caught.value.retain_until == until  # type: ignore[attr-defined]
    assert code_of(store.put, "records/2026-11.enc", b"rewritten") == ErrorCode.RETENTION_LOCKED
    assert store.get_bytes("records/2026-11.enc") == b"work record"
    clock.now = until + timedelta(seconds=1)
    store.delete("records/2026-11.enc")
    assert not store.exists("records/2026-11.enc")


def test_naive_retention_dates_are_refused(store: LocalBackend) -> None:
    with pytest.raises(ValueError):
        store.put("k", b"x", retain_until=datetime(2030, 1, 1))


def test_sidecar_that_no_longer_describes_the_data_is_not_trusted(store: LocalBackend) -> None:
    store.put("k", b"first")
    # A crash between the two renames of an overwrite: new bytes, old sidecar.
    replacement = store.root / "objects" / "k.new"
    replacement.write_bytes(b"other")
    os.replace(replacement, store.root / "objects" / "k")
    info = store.head("k")
    assert info.sha256 is None
    assert store.recorded_checksum("k") == hashlib.sha256(b"other").hexdigest()


def test_missing_folder_means_store_unavailable(store: LocalBackend) -> None:
    store.put("k", b"x")
    shutil.rmtree(store.root)
    for call, args in [
        (store.head, ("k",)),
        (store.open, ("k",)),
        (store.put, ("k", b"y")),
        (store.delete, ("k",)),
        (store.list_keys, ()),
    ]:
        assert code_of(call, *args) == ErrorCode.BACKEND_UNAVAILABLE


@pytest.mark.parametrize("key", ["../escape", "/abs", "a//b", "a/./b", "a\\b", ""])
def test_unsafe_keys_are_refused(store: LocalBackend, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")
