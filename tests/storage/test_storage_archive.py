"""The Archive facade on local folders and on two real (moto) S3 servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import (
    Archive,
    Backend,
    BackendUnavailableError,
    ErrorCode,
    Keyring,
    LocalBackend,
    ObjectInfo,
    ReplicaState,
    S3Backend,
    S3Config,
    StorageError,
    decrypt_bytes,
    make_name,
    object_key,
    read_header,
)
from storage.backends.base import ReadStream
from storage.replicas import repair, restore_primary, verify_replicas
from storage.rotation import rotate_keys
from storage.streams import IterReader, Source
from tests.conftest import s3_client

DAY = date(2026, 11, 28)
CONTRACT = make_name(DAY, 1, "合同 Room Contract")
GUEST_FILE = make_name(DAY, 2, "guest file Wang")
WORK_LOG = make_name(DAY, 3, "front desk log")
SECRET = b"PASSPORT-E12345678 Wang Xiaoming, suite 1808, card 4111-1111-1111-1111. "


def code_of(call, *args, **kwargs) -> ErrorCode:
    with pytest.raises(StorageError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# -- raw access to what a store holds, bypassing the library ---------------------------------


def raw_s3_client(config: S3Config) -> Any:
    return s3_client(config)


def raw_get(store: Backend, key: str) -> bytes:
    if isinstance(store, LocalBackend):
        return (store.root / "objects" / key).read_bytes()
    assert isinstance(store, S3Backend)
    response = raw_s3_client(store.config).get_object(Bucket=store.config.bucket, Key=key)
    return response["Body"].read()


def raw_put(store: Backend, key: str, data: bytes) -> None:
    if isinstance(store, LocalBackend):
        path = store.root / "objects" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert isinstance(store, S3Backend)
    raw_s3_client(store.config).put_object(Bucket=store.config.bucket, Key=key, Body=data)


def raw_wipe(store: Backend, key: str | None = None) -> None:
    """Destroy one object or everything, every version, as a disk loss would."""
    if isinstance(store, LocalBackend):
        for sub in ("objects", "meta", "versions"):
            for path in sorted((store.root / sub).rglob("*"), reverse=True):
                relative = path.relative_to(store.root / sub).as_posix()
                if path.is_file() and (
                    key is None
                    or relative in (key, key + ".json")
                    or relative.startswith(key + "/")  # versions/<key>/<version id>[.json]
                ):
                    path.unlink()
        return
    assert isinstance(store, S3Backend)
    client = raw_s3_client(store.config)
    listing = client.list_object_versions(Bucket=store.config.bucket, Prefix=key or "")
    for item in listing.get("Versions", []) + listing.get("DeleteMarkers", []):
        if key is None or item["Key"] == key:
            client.delete_object(
                Bucket=store.config.bucket, Key=item["Key"], VersionId=item["VersionId"]
            )


def flip_byte(data: bytes, position: int) -> bytes:
    damaged = bytearray(data)
    damaged[position] ^= 0x01
    return bytes(damaged)


class FlakyPuts(Backend):
    """Delegates to a real store but can be told to fail writes, like a store going down."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.location = inner.location
        self.failing = False

    def put(self, key: str, data: Source, **kwargs) -> ObjectInfo:  # type: ignore[override]
        if self.failing:
            raise BackendUnavailableError(f"{self.name}: simulated outage")
        return self.inner.put(key, data, **kwargs)

    def open(self, key: str) -> ReadStream:
        return self.inner.open(key)

    def head(self, key: str) -> ObjectInfo:
        return self.inner.head(key)

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        self.inner.delete(key, version_id=version_id)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list_keys(prefix)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(params=["local", "s3"])
def stores(request, tmp_path: Path, make_s3) -> tuple[Backend, Backend]:
    if request.param == "local":
        return (
            LocalBackend(tmp_path / "primary", name="primary"),
            LocalBackend(tmp_path / "backup", name="backup"),
        )
    return make_s3("primary"), make_s3("backup")


@pytest.fixture
def archive(keyring: Keyring, stores: tuple[Backend, Backend]) -> Archive:
    return Archive(keyring, *stores)


def put_samples(archive: Archive) -> dict[str, str]:
    """Archive a contract, a guest file and a work log; return key -> ciphertext sha256."""
    records = [
        archive.put("doc-contract", 1, CONTRACT, SECRET * 40),
        archive.put("doc-guest", 2, GUEST_FILE, iter([SECRET, b"second part"])),
        archive.put("doc-log", 3, WORK_LOG, b"shift handover notes"),
    ]
    return {record.key: record.ciphertext_sha256 for record in records}


# -- writing and reading --------------------------------------------------------------------


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P3.2.5")
def test_put_encrypts_once_and_stores_identical_copies(archive: Archive) -> None:
    record = archive.put("doc-contract", 1, CONTRACT, SECRET * 40)
    assert record.key == object_key(1, CONTRACT)
    assert record.size == len(SECRET) * 40
    assert record.kek_id == "k1"
    assert record.stores == ("primary", "backup")
    primary_bytes = raw_get(archive.primary, record.key)
    assert primary_bytes == raw_get(archive.backup, record.key)  # type: ignore[arg-type]
    assert len(primary_bytes) == record.ciphertext_size
    assert archive.primary.checksum(record.key) == record.ciphertext_sha256
    with archive.open("doc-contract", 1, record.key) as stream:
        assert stream.store == "primary"
        assert b"".join(stream) == SECRET * 40


@pytest.mark.policy("P3.2.5")
def test_work_records_are_kept_on_the_primary_only(archive: Archive) -> None:
    record = archive.put("doc-log", 3, WORK_LOG, b"notes")
    assert record.stores == ("primary",)
    assert not archive.backup.exists(record.key)  # type: ignore[union-attr]
    assert archive.read_bytes("doc-log", 3, record.key) == b"notes"


@pytest.mark.policy("P3.2.1")
def test_plaintext_never_reaches_the_buckets(keyring: Keyring, make_s3) -> None:
    archive = Archive(keyring, make_s3("primary"), make_s3("backup"))
    records = [
        archive.put("doc-contract", 1, CONTRACT, SECRET * 40),
        archive.put("doc-guest", 2, GUEST_FILE, SECRET),
    ]
    for record in records:
        for store in (archive.primary, archive.backup):
            stored = raw_get(store, record.key)  # type: ignore[arg-type]
            assert SECRET not in stored
            assert b"PASSPORT" not in stored and b"4111-1111" not in stored
            # What is stored is exactly what the record vouches for, and opens with the key.
            assert decrypt_bytes(stored, keyring, document_id=record.document_id, tier=record.tier)


def test_large_document_goes_through_multipart_and_spool(keyring: Keyring, make_s3) -> None:
    primary = make_s3("primary", multipart_threshold=1 << 20, part_size=5 << 20)
    backup = make_s3("backup", multipart_threshold=1 << 20, part_size=5 << 20)
    archive = Archive(keyring, primary, backup, spool_memory=1 << 20)
    data = os.urandom(7 * (1 << 20) + 99)
    record = archive.put("doc-scan", 2, GUEST_FILE, IterReader([data]))
    assert archive.backup.checksum(record.key) == record.ciphertext_sha256  # type: ignore[union-attr]
    assert archive.read_bytes("doc-scan", 2, record.key) == data


def test_existing_documents_are_not_overwritten_silently(archive: Archive) -> None:
    archive.put("doc-contract", 1, CONTRACT, b"v1")
    assert code_of(archive.put, "doc-contract", 1, CONTRACT, b"v2") == ErrorCode.ALREADY_EXISTS
    record = archive.put("doc-contract", 1, CONTRACT, b"v2", replace=True)
    assert archive.read_bytes("doc-contract", 1, record.key) == b"v2"


def test_opening_as_another_document_or_tier_is_tampered(archive: Archive) -> None:
    record = archive.put("doc-contract", 1, CONTRACT, SECRET)
    assert code_of(archive.open, "doc-other", 1, record.key) == ErrorCode.TAMPERED
    assert code_of(archive.open, "doc-contract", 2, record.key) == ErrorCode.TAMPERED
    assert code_of(archive.open, "doc-contract", 1, object_key(1, GUEST_FILE)) == (
        ErrorCode.NOT_FOUND
    )


@pytest.mark.policy("P3.2.5")
def test_important_tiers_refuse_to_be_stored_without_a_backup(
    keyring: Keyring, tmp_path: Path
) -> None:
    single = Archive(keyring, LocalBackend(tmp_path / "only", name="primary"))
    assert code_of(single.put, "d", 1, CONTRACT, b"x") == ErrorCode.BACKEND_UNAVAILABLE
    assert code_of(single.put, "d", 2, GUEST_FILE, b"x") == ErrorCode.BACKEND_UNAVAILABLE
    assert single.put("d", 3, WORK_LOG, b"x").stores == ("primary",)
    development = Archive(
        keyring, LocalBackend(tmp_path / "dev", name="primary"), allow_single_copy=True
    )
    assert development.put("d", 1, CONTRACT, b"x").stores == ("primary",)


@pytest.mark.policy("P3.2.5")
def test_backup_must_be_a_different_store(keyring: Keyring, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Archive(
            keyring,
            LocalBackend(tmp_path / "same", name="primary"),
            LocalBackend(tmp_path / "same", name="backup"),
        )


# -- failures during writes -----------------------------------------------------------------


@pytest.mark.policy("P3.2.5")
def test_primary_down_during_put_leaves_nothing_on_the_backup(
    keyring: Keyring, make_s3, closed_endpoint: str, s3_settings
) -> None:
    down = S3Backend(s3_settings(closed_endpoint, "primary-down"), name="primary")
    backup = make_s3("backup")
    archive = Archive(keyring, down, backup)
    assert code_of(archive.put, "doc-contract", 1, CONTRACT, SECRET) == (
        ErrorCode.BACKEND_UNAVAILABLE
    )
    assert list(backup.list_keys()) == []


@pytest.mark.policy("P3.2.5")
def test_backup_failure_rolls_back_the_primary_copy(archive: Archive) -> None:
    flaky = FlakyPuts(archive.backup)  # type: ignore[arg-type]
    flaky.failing = True
    archive = Archive(archive.keyring, archive.primary, flaky)
    with pytest.raises(BackendUnavailableError) as caught:
        archive.put("doc-contract", 1, CONTRACT, SECRET)
    assert caught.value.leftovers == ()
    assert list(archive.primary.list_keys()) == []
    assert list(flaky.list_keys()) == []


@pytest.mark.policy("P3.2.5")
@pytest.mark.policy("P3.2.3")
def test_backup_down_with_a_locked_primary_copy_is_reported(keyring: Keyring, make_s3) -> None:
    primary = make_s3("primary", object_lock=True)
    backup = FlakyPuts(make_s3("backup"))
    backup.failing = True
    archive = Archive(keyring, primary, backup)
    until = datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(BackendUnavailableError) as caught:
        archive.put("doc-contract", 1, CONTRACT, SECRET, retain_until=until)
    key = object_key(1, CONTRACT)
    assert caught.value.leftovers == (f"primary:{key}",)
    assert "retention" in caught.value.message
    assert primary.exists(key)  # locked by the store: reported, not silently kept


def test_open_falls_back_to_the_backup(archive: Archive) -> None:
    record = archive.put("doc-guest", 2, GUEST_FILE, SECRET)
    raw_wipe(archive.primary, record.key)
    stream = archive.open("doc-guest", 2, record.key)
    assert stream.store == "backup"
    assert stream.read_all() == SECRET
    assert code_of(archive.open, "doc-guest", 2, record.key, fallback=False) == (
        ErrorCode.NOT_FOUND
    )


def test_open_falls_back_when_the_primary_store_is_down(
    keyring: Keyring, make_s3, closed_endpoint: str, s3_settings
) -> None:
    archive = Archive(keyring, make_s3("primary"), make_s3("backup"))
    record = archive.put("doc-guest", 2, GUEST_FILE, SECRET)
    down = S3Backend(s3_settings(closed_endpoint, "primary-down"), name="primary")
    degraded = Archive(keyring, down, archive.backup)
    assert degraded.read_bytes("doc-guest", 2, record.key) == SECRET


# -- retention ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.policy("P3.2.3")
def test_purge_honours_retention_on_every_store(keyring: Keyring, tmp_path: Path) -> None:
    clock = Clock()
    archive = Archive(
        keyring,
        LocalBackend(tmp_path / "primary", name="primary", clock=clock),
        LocalBackend(tmp_path / "backup", name="backup", clock=clock),
        clock=clock,
    )
    until = clock.now + timedelta(days=5 * 365)
    log = archive.put("doc-log", 3, WORK_LOG, b"notes", retain_until=until)
    contract = archive.put("doc-contract", 1, CONTRACT, SECRET, retain_until=until)
    for record in (log, contract):
        assert code_of(archive.purge, record.key) == ErrorCode.RETENTION_LOCKED
        assert archive.read_bytes(record.document_id, record.tier, record.key)
    clock.now = until + timedelta(seconds=1)
    archive.purge(contract.key)
    archive.purge(log.key)
    assert not archive.primary.exists(contract.key)
    assert not archive.backup.exists(contract.key)  # type: ignore[union-attr]
    assert code_of(archive.purge, contract.key) == ErrorCode.NOT_FOUND


@pytest.mark.policy("P3.2.3")
def test_purge_refused_by_object_lock_deletes_nothing(keyring: Keyring, make_s3) -> None:
    archive = Archive(keyring, make_s3("primary", object_lock=True), make_s3("backup"))
    record = archive.put(
        "doc-contract", 1, CONTRACT, SECRET, retain_until=datetime.now(UTC) + timedelta(days=1)
    )
    assert code_of(archive.purge, record.key) == ErrorCode.RETENTION_LOCKED
    assert archive.primary.exists(record.key)
    assert archive.backup.exists(record.key)  # type: ignore[union-attr]


# -- replicas -------------------------------------------------------------------------------


@pytest.mark.policy("P3.2.5")
def test_verify_detects_missing_and_altered_backup_and_repair_fixes(archive: Archive) -> None:
    recorded = put_samples(archive)
    contract, guest, log = recorded
    assert verify_replicas(archive, recorded).healthy
    backup = archive.backup
    assert backup is not None

    raw_wipe(backup, contract)
    raw_put(backup, guest, flip_byte(raw_get(backup, guest), -5))
    report = verify_replicas(archive, recorded)
    assert report.missing_on_backup == (contract,)
    assert report.differs == (guest,)
    assert report.ok == (log,)
    assert {entry.key: entry.good_copy for entry in report.problems} == {
        contract: "primary",
        guest: "primary",
    }

    result = repair(archive, report)
    assert sorted(result.repaired) == sorted([contract, guest])
    assert result.failed == ()
    assert verify_replicas(archive, recorded).healthy
    assert verify_replicas(archive, recorded, deep=False).healthy
    assert decrypt_bytes(raw_get(backup, guest), archive.keyring, document_id="doc-guest", tier=2)


@pytest.mark.policy("P3.2.5")
def test_altered_primary_is_repaired_from_the_backup(archive: Archive) -> None:
    recorded = put_samples(archive)
    contract = next(iter(recorded))
    raw_put(archive.primary, contract, flip_byte(raw_get(archive.primary, contract), 200))
    assert code_of(archive.read_bytes, "doc-contract", 1, contract) == ErrorCode.TAMPERED
    report = verify_replicas(archive, recorded)
    assert report.differs == (contract,)
    assert report.problems[0].good_copy == "backup"
    assert repair(archive, report).repaired == (contract,)
    assert archive.read_bytes("doc-contract", 1, contract) == SECRET * 40


@pytest.mark.policy("P3.2.5")
def test_differing_copies_without_a_record_are_not_guessed(archive: Archive) -> None:
    recorded = put_samples(archive)
    contract = next(iter(recorded))
    backup = archive.backup
    assert backup is not None
    altered = flip_byte(raw_get(backup, contract), -1)
    raw_put(backup, contract, altered)
    report = verify_replicas(archive, list(recorded))  # no recorded checksums given
    assert report.differs == (contract,)
    assert not report.problems[0].repairable
    result = repair(archive, report)
    assert result.repaired == ()
    assert [failure.code for failure in result.failed] == [ErrorCode.TAMPERED]
    assert raw_get(backup, contract) == altered  # untouched


@pytest.mark.policy("P3.2.5")
def test_lost_document_and_lost_work_record_are_reported(archive: Archive) -> None:
    recorded = put_samples(archive)
    contract, _, log = recorded
    raw_wipe(archive.primary, contract)
    raw_wipe(archive.backup, contract)  # type: ignore[arg-type]
    raw_wipe(archive.primary, log)
    report = verify_replicas(archive, recorded)
    assert report.missing == (contract, log)
    assert report.problems[0].state is ReplicaState.MISSING
    assert {failure.code for failure in repair(archive, report).failed} == {ErrorCode.NOT_FOUND}


@pytest.mark.policy("P3.2.5")
def test_restore_primary_rebuilds_a_wiped_primary(archive: Archive) -> None:
    until = datetime.now(UTC) + timedelta(days=1)
    recorded = put_samples(archive)
    retained = archive.put("doc-kept", 2, make_name(DAY, 9, "kept"), SECRET, retain_until=until)
    contract, guest, log = recorded
    raw_wipe(archive.primary)
    assert list(archive.primary.list_keys()) == []

    result = restore_primary(archive)
    assert sorted(result.restored) == sorted([contract, guest, retained.key])
    assert result.failed == () and result.conflicts == ()
    assert archive.read_bytes("doc-contract", 1, contract) == SECRET * 40
    assert archive.read_bytes("doc-guest", 2, guest) == SECRET + b"second part"
    assert archive.primary.head(retained.key).retain_until == until
    assert verify_replicas(archive, {k: recorded[k] for k in (contract, guest)}).healthy
    assert not archive.primary.exists(log)  # work records had no second copy (tier 3)

    again = restore_primary(archive)
    assert again.restored == () and len(again.unchanged) == 3


def test_restore_reports_conflicts_unless_told_to_overwrite(archive: Archive) -> None:
    recorded = put_samples(archive)
    contract = next(iter(recorded))
    raw_put(archive.primary, contract, b"garbage")
    assert restore_primary(archive).conflicts == (contract,)
    assert restore_primary(archive, overwrite=True).restored == (contract,)
    assert verify_replicas(archive, recorded).healthy


# -- key rotation ---------------------------------------------------------------------------


@pytest.mark.policy("P3.2.1")
def test_rotation_rewraps_every_copy_and_retires_the_old_key(
    archive: Archive, stores: tuple[Backend, Backend]
) -> None:
    old_entry = archive.keyring.to_string()
    recorded = put_samples(archive)
    bodies_before = {key: raw_get(archive.primary, key) for key in recorded}
    new_entry = Keyring.generate_entry("k2")

    rotating = Archive(Keyring.from_string(f"{new_entry},{old_entry}"), *stores)
    result = rotate_keys(rotating, recorded)
    assert result.failed == () and result.unchanged == ()
    rotated = {item.key: item for item in result.rotated}
    assert set(rotated) == set(recorded)
    assert all(item.kek_id == "k2" for item in rotated.values())
    assert all(rotated[key].ciphertext_sha256 != recorded[key] for key in recorded)
    for key, before in bodies_before.items():
        after = raw_get(archive.primary, key)
        old_size = read_header(IterReader([before])).size
        new_size = read_header(IterReader([after])).size
        assert after[new_size:] == before[old_size:]  # body untouched
    new_records = {key: item.ciphertext_sha256 for key, item in rotated.items()}
    assert verify_replicas(rotating, new_records).healthy

    new_only = Archive(Keyring.from_string(new_entry), *stores)
    assert new_only.read_bytes("doc-contract", 1, next(iter(recorded))) == SECRET * 40
    assert new_only.read_bytes("doc-log", 3, object_key(3, WORK_LOG)) == b"shift handover notes"
    assert rotate_keys(rotating, recorded).unchanged == tuple(recorded)


@pytest.mark.policy("P3.2.1")
def test_rotation_interrupted_between_stores_is_completed_next_run(
    archive: Archive, stores: tuple[Backend, Backend]
) -> None:
    record = archive.put("doc-contract", 1, CONTRACT, SECRET)
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{archive.keyring.to_string()}")
    flaky = FlakyPuts(stores[1])
    rotating = Archive(ring, stores[0], flaky)

    flaky.failing = True
    first = rotate_keys(rotating, [record.key])
    assert [failure.code for failure in first.failed] == [ErrorCode.BACKEND_UNAVAILABLE]
    assert rotating.read_bytes("doc-contract", 1, record.key) == SECRET  # both copies open

    flaky.failing = False
    second = rotate_keys(rotating, [record.key])
    assert len(second.rotated) == 1
    assert verify_replicas(rotating, {record.key: second.rotated[0].ciphertext_sha256}).healthy


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P3.2.3")
def test_rotation_on_locked_buckets_writes_new_locked_versions(keyring: Keyring, make_s3) -> None:
    primary, backup = make_s3("primary", object_lock=True), make_s3("backup", object_lock=True)
    until = datetime.now(UTC) + timedelta(days=2)
    record = Archive(keyring, primary, backup).put(
        "doc-contract", 1, CONTRACT, SECRET, retain_until=until
    )
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{keyring.to_string()}")
    rotating = Archive(ring, primary, backup)
    result = rotate_keys(rotating, [record.key])
    assert [item.kek_id for item in result.rotated] == ["k2"]
    for store in (primary, backup):
        assert store.head(record.key).retain_until == until  # the new version is locked too
    assert rotating.read_bytes("doc-contract", 1, record.key) == SECRET
    assert code_of(rotating.purge, record.key) == ErrorCode.RETENTION_LOCKED


def local_archive_with_clock(keyring: Keyring, root: Path, clock: Clock) -> Archive:
    return Archive(
        keyring,
        LocalBackend(root / "primary", name="primary", clock=clock),
        LocalBackend(root / "backup", name="backup", clock=clock),
        clock=clock,
    )


def stored_versions(archive: Archive, key: str) -> dict[str, list[bytes]]:
    """Raw bytes of every non-current version of ``key``, per local store."""
    found: dict[str, list[bytes]] = {}
    for store in (archive.primary, archive.backup):
        assert isinstance(store, LocalBackend)
        folder = store.root / "versions" / key
        found[store.name] = [
            (folder / info.version_id).read_bytes()
            for info in store.versions(key)
            if info.version_id is not None
        ]
    return found


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P3.2.3")
def test_rotation_on_local_stores_keeps_retained_copies_as_versions(
    keyring: Keyring, tmp_path: Path
) -> None:
    clock = Clock()
    archive = local_archive_with_clock(keyring, tmp_path, clock)
    until = clock.now + timedelta(days=5 * 365)
    contract = archive.put("doc-contract", 1, CONTRACT, SECRET, retain_until=until)
    log = archive.put("doc-log", 3, WORK_LOG, b"shift handover notes", retain_until=until)
    records = {contract.key: contract, log.key: log}
    before = {key: raw_get(archive.primary, key) for key in records}
    new_entry = Keyring.generate_entry("k2")
    rotating = local_archive_with_clock(
        Keyring.from_string(f"{new_entry},{keyring.to_string()}"), tmp_path, clock
    )

    result = rotate_keys(rotating, records)
    assert result.failed == () and result.unchanged == ()
    rotated = {item.key: item.ciphertext_sha256 for item in result.rotated}
    assert set(rotated) == set(records)
    assert list(rotating.primary.list_keys()) == sorted(records)  # versions are not listed
    assert verify_replicas(rotating, rotated).healthy
    assert verify_replicas(rotating, rotated, deep=False).healthy

    new_only = Keyring.from_string(new_entry)
    for key, record in records.items():
        current = raw_get(rotating.primary, key)
        plain = decrypt_bytes(current, new_only, document_id=record.document_id, tier=record.tier)
        assert plain == (SECRET if record.tier == 1 else b"shift handover notes")
        unrotated = code_of(
            decrypt_bytes, current, keyring, document_id=record.document_id, tier=record.tier
        )
        assert unrotated == ErrorCode.UNKNOWN_KEY_ID  # the current copy needs k2 only
        assert rotating.primary.head(key).retain_until == until
        [kept] = rotating.primary.versions(key)  # type: ignore[attr-defined]
        assert kept.retain_until == until and kept.sha256 == record.ciphertext_sha256
    assert stored_versions(rotating, contract.key) == {
        "primary": [before[contract.key]],
        "backup": [before[contract.key]],
    }
    assert stored_versions(rotating, log.key) == {"primary": [before[log.key]], "backup": []}
    reader = Archive(new_only, rotating.primary, rotating.backup)
    assert reader.read_bytes("doc-contract", 1, contract.key) == SECRET
    assert reader.read_bytes("doc-log", 3, log.key) == b"shift handover notes"


@pytest.mark.policy("P3.2.3")
def test_purge_covers_the_versions_that_rotation_kept(keyring: Keyring, tmp_path: Path) -> None:
    clock = Clock()
    archive = local_archive_with_clock(keyring, tmp_path, clock)
    until = clock.now + timedelta(days=365)
    record = archive.put("doc-contract", 1, CONTRACT, SECRET, retain_until=until)
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{keyring.to_string()}")
    rotating = local_archive_with_clock(ring, tmp_path, clock)
    assert len(rotate_keys(rotating, [record.key]).rotated) == 1
    clock.now += timedelta(days=1)
    ring = Keyring.from_string(f"{Keyring.generate_entry('k3')},{ring.to_string()}")
    rotating = local_archive_with_clock(ring, tmp_path, clock)
    assert len(rotate_keys(rotating, [record.key]).rotated) == 1
    kept = stored_versions(rotating, record.key)
    assert [len(copies) for copies in kept.values()] == [2, 2]  # one per rotation, per store

    assert code_of(rotating.purge, record.key) == ErrorCode.RETENTION_LOCKED
    assert stored_versions(rotating, record.key) == kept  # a refused purge deletes nothing
    assert rotating.read_bytes("doc-contract", 1, record.key) == SECRET
    assert code_of(rotating.put, "doc-contract", 1, CONTRACT, b"x", replace=True) == (
        ErrorCode.RETENTION_LOCKED  # plain writes stay write-once
    )

    clock.now = until + timedelta(seconds=1)
    rotating.purge(record.key)
    for store in (rotating.primary, rotating.backup):
        assert isinstance(store, LocalBackend)
        assert not store.exists(record.key) and store.versions(record.key) == []
        assert [path for path in (store.root / "versions").rglob("*") if path.is_file()] == []
    assert code_of(rotating.purge, record.key) == ErrorCode.NOT_FOUND


@pytest.mark.policy("P3.2.1")
@pytest.mark.policy("P3.2.3")
def test_retained_rotation_interrupted_between_local_stores_is_completed(
    keyring: Keyring, tmp_path: Path
) -> None:
    clock = Clock()
    archive = local_archive_with_clock(keyring, tmp_path, clock)
    record = archive.put(
        "doc-contract", 1, CONTRACT, SECRET, retain_until=clock.now + timedelta(days=30)
    )
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{keyring.to_string()}")
    flaky = FlakyPuts(archive.backup)  # type: ignore[arg-type]
    rotating = Archive(ring, archive.primary, flaky, clock=clock)
    flaky.failing = True
    assert [f.code for f in rotate_keys(rotating, [record.key]).failed] == [
        ErrorCode.BACKEND_UNAVAILABLE
    ]
    flaky.failing = False
    second = rotate_keys(rotating, [record.key])
    assert second.failed == () and len(second.rotated) == 1
    assert verify_replicas(rotating, {record.key: second.rotated[0].ciphertext_sha256}).healthy
    assert [len(copies) for copies in stored_versions(archive, record.key).values()] == [1, 1]


@pytest.mark.policy("P3.2.3")
def test_unversioned_buckets_refuse_to_rotate_retained_copies(
    keyring: Keyring, moto_endpoints, s3_settings
) -> None:
    stores = []
    for role, endpoint in zip(("primary", "backup"), moto_endpoints, strict=True):
        config = s3_settings(endpoint, f"{role}-plain-{os.urandom(6).hex()}")
        raw_s3_client(config).create_bucket(Bucket=config.bucket)  # no versioning, no lock
        stores.append(S3Backend(config, name=role, client=raw_s3_client(config)))
    archive = Archive(keyring, *stores)
    record = archive.put(
        "doc-contract", 1, CONTRACT, SECRET, retain_until=datetime.now(UTC) + timedelta(days=1)
    )
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{keyring.to_string()}")
    [failure] = rotate_keys(Archive(ring, *stores), [record.key]).failed
    assert failure.code == ErrorCode.RETENTION_LOCKED and "not versioned" in failure.message
    assert archive.primary.checksum(record.key) == record.ciphertext_sha256  # untouched


def test_retention_dates_must_be_aware_and_in_the_future(archive: Archive) -> None:
    with pytest.raises(ValueError):
        archive.put("d", 3, WORK_LOG, b"x", retain_until=datetime(2030, 1, 1))
    with pytest.raises(ValueError):
        archive.put("d", 3, WORK_LOG, b"x", retain_until=datetime.now(UTC) - timedelta(days=1))


def test_rotation_refuses_copies_that_differ(archive: Archive) -> None:
    record = archive.put("doc-contract", 1, CONTRACT, SECRET)
    backup = archive.backup
    assert backup is not None
    raw_put(backup, record.key, flip_byte(raw_get(backup, record.key), -1))
    ring = Keyring.from_string(f"{Keyring.generate_entry('k2')},{archive.keyring.to_string()}")
    result = rotate_keys(Archive(ring, archive.primary, backup), [record.key])
    assert [failure.code for failure in result.failed] == [ErrorCode.TAMPERED]
