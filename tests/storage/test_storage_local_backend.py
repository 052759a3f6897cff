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


# -- non-current versions (what key rotation needs on a write-once store) ---------------------

KEY = "tier-3/2026/11/20261128-0001-log.enc"


def versions_folder(store: LocalBackend) -> list[str]:
    root = store.root / "versions"
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


@pytest.mark.policy("P3.2.3")
def test_keeping_the_previous_version_supersedes_a_retained_copy_without_touching_it(
    store: LocalBackend, clock: Clock
) -> None:
    first_until = clock.now + timedelta(days=30)
    first = store.put(KEY, b"rotated away", retain_until=first_until)
    sidecar = (store.root / "meta" / (KEY + ".json")).read_bytes()

    second = store.put(KEY, b"current", retain_until=first_until, keep_previous_version=True)
    assert store.head(KEY) == second
    assert store.get_bytes(KEY) == b"current"
    assert store.checksum(KEY) == second.sha256
    assert list(store.list_keys()) == [KEY]
    [kept] = store.versions(KEY)
    assert (kept.size, kept.sha256, kept.retain_until) == (first.size, first.sha256, first_until)
    assert kept.version_id is not None
    folder = store.root / "versions" / KEY
    assert (folder / kept.version_id).read_bytes() == b"rotated away"
    assert (folder / (kept.version_id + ".json")).read_bytes() == sidecar  # unaltered

    clock.now += timedelta(days=1)
    store.put(KEY, b"newest", retain_until=first_until, keep_previous_version=True)
    assert [info.sha256 for info in store.versions(KEY)] == [first.sha256, second.sha256]
    assert store.get_bytes(KEY) == b"newest"
    assert list(store.list_keys()) == [KEY]


@pytest.mark.policy("P3.2.3")
def test_a_plain_put_over_a_retained_copy_is_still_refused(
    store: LocalBackend, clock: Clock
) -> None:
    store.put(KEY, b"original", retain_until=clock.now + timedelta(days=1))
    assert code_of(store.put, KEY, b"rewritten") == ErrorCode.RETENTION_LOCKED
    assert store.get_bytes(KEY) == b"original"
    assert store.versions(KEY) == [] and versions_folder(store) == []


def test_a_copy_that_is_not_retained_is_replaced_without_a_version(
    store: LocalBackend, clock: Clock
) -> None:
    store.put(KEY, b"expired", retain_until=clock.now + timedelta(days=1))
    clock.now += timedelta(days=2)
    store.put(KEY, b"replacement", keep_previous_version=True)
    store.put(KEY, b"again", keep_previous_version=True)
    assert store.get_bytes(KEY) == b"again"
    assert store.versions(KEY) == []


@pytest.mark.policy("P3.2.3")
def test_delete_honours_the_retention_of_every_version(store: LocalBackend, clock: Clock) -> None:
    early, late = clock.now + timedelta(days=10), clock.now + timedelta(days=400)
    store.put(KEY, b"v1", retain_until=late)
    store.put(KEY, b"v2", retain_until=early, keep_previous_version=True)
    store.put(KEY, b"v3", keep_previous_version=True)  # current copy: no retention of its own
    assert store.locked_until(KEY) == late
    files_before = versions_folder(store)
    assert len(files_before) == 4  # two versions, each with its sidecar

    for moment in (clock.now, early + timedelta(seconds=1)):
        clock.now = moment
        with pytest.raises(StorageError) as caught:
            store.delete(KEY)
        assert caught.value.code == ErrorCode.RETENTION_LOCKED
        assert caught.value.retain_until == late  # type: ignore[attr-defined]
        assert store.get_bytes(KEY) == b"v3" and versions_folder(store) == files_before

    clock.now = late + timedelta(seconds=1)
    store.delete(KEY)
    assert not store.exists(KEY)
    assert store.versions(KEY) == [] and versions_folder(store) == []
    assert list((store.root / "versions").iterdir()) == []  # folders pruned
    assert code_of(store.delete, KEY) == ErrorCode.NOT_FOUND
    assert code_of(store.locked_until, KEY) == ErrorCode.NOT_FOUND


@pytest.mark.policy("P3.2.3")
def test_one_version_can_be_deleted_once_its_own_retention_ends(
    store: LocalBackend, clock: Clock
) -> None:
    until = clock.now + timedelta(days=1)
    store.put(KEY, b"v1", retain_until=until)
    store.put(KEY, b"v2", keep_previous_version=True)
    [kept] = store.versions(KEY)
    assert code_of(store.delete, KEY, version_id=kept.version_id) == ErrorCode.RETENTION_LOCKED
    clock.now = until + timedelta(seconds=1)
    missing = "20991231T235959000000Z-00000000"
    assert code_of(store.delete, KEY, version_id=missing) == ErrorCode.NOT_FOUND
    with pytest.raises(ValueError):
        store.delete(KEY, version_id="../../objects/" + KEY)
    store.delete(KEY, version_id=kept.version_id)
    assert store.versions(KEY) == [] and store.get_bytes(KEY) == b"v2"


@pytest.mark.policy("P3.2.3")
def test_versions_left_without_a_current_copy_are_still_retained_and_purgeable(
    store: LocalBackend, clock: Clock
) -> None:
    until = clock.now + timedelta(days=1)
    store.put(KEY, b"v1", retain_until=until)
    store.put(KEY, b"v2", keep_previous_version=True)
    (store.root / "objects" / KEY).unlink()  # the current copy lost, e.g. a crash or disk error
    assert not store.exists(KEY) and list(store.list_keys()) == []
    assert store.locked_until(KEY) == until
    assert code_of(store.delete, KEY) == ErrorCode.RETENTION_LOCKED
    clock.now = until + timedelta(seconds=1)
    store.delete(KEY)
    assert versions_folder(store) == []
