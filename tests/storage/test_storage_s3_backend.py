"""The S3 store against a real (moto) S3 server: SSE, multipart, object lock, error mapping."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from storage import ErrorCode, S3Backend, S3Config, StorageError, create_bucket, make_client
from tests.conftest import s3_client

MIB = 1 << 20


def code_of(call, *args, **kwargs) -> ErrorCode:
    with pytest.raises(StorageError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_round_trip_with_sse_and_checksum_metadata(make_s3, raw_client) -> None:
    store: S3Backend = make_s3()
    info = store.put("tier-1/2026/11/a.enc", b"ciphertext bytes")
    assert info.sha256 == hashlib.sha256(b"ciphertext bytes").hexdigest()
    assert info.version_id  # create_bucket turns versioning on
    assert store.head("tier-1/2026/11/a.enc") == info
    assert store.get_bytes("tier-1/2026/11/a.enc") == b"ciphertext bytes"
    raw = raw_client(store).head_object(Bucket=store.config.bucket, Key="tier-1/2026/11/a.enc")
    assert raw["ServerSideEncryption"] == "AES256"
    assert raw["Metadata"]["sha256"] == info.sha256
    assert list(store.list_keys("tier-1/")) == ["tier-1/2026/11/a.enc"]
    assert store.exists("tier-1/2026/11/a.enc") and not store.exists("tier-1/none")
    assert code_of(store.head, "missing") == ErrorCode.NOT_FOUND
    assert code_of(store.open, "missing") == ErrorCode.NOT_FOUND


def test_multipart_upload_streams_and_verifies(make_s3, raw_client) -> None:
    store: S3Backend = make_s3(multipart_threshold=MIB, part_size=5 * MIB)
    data = os.urandom(11 * MIB + 3)
    digest = hashlib.sha256(data).hexdigest()
    pieces = (data[i : i + 300_000] for i in range(0, len(data), 300_000))
    info = store.put("big-known", pieces, sha256=digest)
    assert (info.size, info.sha256) == (len(data), digest)
    assert store.checksum("big-known") == digest
    # Without a checksum up front the store spools, because S3 metadata is fixed at start.
    assert store.put("big-unknown", data).sha256 == digest
    assert store.head("big-unknown").sha256 == digest

    wrong = hashlib.sha256(b"not it").hexdigest()
    assert code_of(store.put, "big-wrong", data, sha256=wrong) == ErrorCode.TAMPERED
    assert not store.exists("big-wrong")
    uploads = raw_client(store).list_multipart_uploads(Bucket=store.config.bucket)
    assert not uploads.get("Uploads")  # the failed upload was aborted


def test_delete_removes_every_version(make_s3, raw_client) -> None:
    store: S3Backend = make_s3()
    store.put("k", b"v1")
    store.put("k", b"v2")
    store.delete("k")
    versions = raw_client(store).list_object_versions(Bucket=store.config.bucket, Prefix="k")
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    assert code_of(store.delete, "k") == ErrorCode.NOT_FOUND


@pytest.mark.policy("P3.2.3")
def test_object_lock_refuses_delete_before_expiry(make_s3, raw_client) -> None:
    store: S3Backend = make_s3(object_lock=True)
    assert store.hard_retention
    until = datetime.now(UTC) + timedelta(days=1)
    info = store.put("tier-3/2026/11/20261128-0001-log.enc", b"locked", retain_until=until)
    key = info.key
    assert code_of(store.delete, key) == ErrorCode.RETENTION_LOCKED
    assert code_of(store.delete, key, version_id=info.version_id) == ErrorCode.RETENTION_LOCKED
    # The store itself enforces it, not only this library.
    with pytest.raises(ClientError) as caught:
        raw_client(store).delete_object(
            Bucket=store.config.bucket, Key=key, VersionId=info.version_id
        )
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert store.get_bytes(key) == b"locked"
    assert store.locked_until(key) is not None


@pytest.mark.policy("P3.2.3")
def test_object_lock_releases_after_expiry(make_s3) -> None:
    store: S3Backend = make_s3(object_lock=True)
    until = datetime.now(UTC) + timedelta(seconds=1.2)
    store.put("short", b"x", retain_until=until)
    assert code_of(store.delete, "short") == ErrorCode.RETENTION_LOCKED
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.2)
    store.delete("short")
    assert not store.exists("short")


@pytest.mark.policy("P3.2.3")
def test_retention_without_object_lock_is_still_honoured(make_s3) -> None:
    store: S3Backend = make_s3(object_lock=False)
    assert not store.hard_retention
    until = datetime.now(UTC) + timedelta(days=1)
    store.put("soft", b"x", retain_until=until)
    assert store.head("soft").retain_until == until
    assert code_of(store.delete, "soft") == ErrorCode.RETENTION_LOCKED


@pytest.mark.policy("P3.2.3")
def test_unversioned_bucket_refuses_to_overwrite_a_retained_copy(
    moto_endpoints, s3_settings
) -> None:
    config = s3_settings(moto_endpoints[0], f"plain-{uuid.uuid4().hex[:16]}")
    client = s3_client(config)
    client.create_bucket(Bucket=config.bucket)  # no versioning, no object lock
    store = S3Backend(config, client=client)
    store.put("kept", b"v1", retain_until=datetime.now(UTC) + timedelta(days=1))
    assert code_of(store.put, "kept", b"v2") == ErrorCode.RETENTION_LOCKED
    assert code_of(store.delete, "kept") == ErrorCode.RETENTION_LOCKED
    assert store.get_bytes("kept") == b"v1"
    assert store.put("free", b"x").version_id is None
    store.put("free", b"y")
    store.delete("free")
    assert not store.exists("free")


@pytest.mark.policy("P3.2.3")
def test_keeping_the_previous_version_is_what_a_versioned_bucket_does(make_s3, raw_client) -> None:
    store: S3Backend = make_s3()
    until = datetime.now(UTC) + timedelta(days=1)
    first = store.put("kept", b"v1", retain_until=until)
    second = store.put("kept", b"v2", retain_until=until, keep_previous_version=True)
    assert store.get_bytes("kept") == b"v2" and list(store.list_keys()) == ["kept"]
    listing = raw_client(store).list_object_versions(Bucket=store.config.bucket, Prefix="kept")
    assert {item["VersionId"] for item in listing["Versions"]} == {
        first.version_id,
        second.version_id,
    }
    assert store.locked_until("kept") == until
    assert code_of(store.delete, "kept") == ErrorCode.RETENTION_LOCKED


@pytest.mark.policy("P3.2.3")
def test_unversioned_bucket_refuses_to_keep_a_previous_version(moto_endpoints, s3_settings) -> None:
    config = s3_settings(moto_endpoints[0], f"plain-{uuid.uuid4().hex[:16]}")
    client = s3_client(config)
    client.create_bucket(Bucket=config.bucket)  # no versioning, no object lock
    store = S3Backend(config, client=client)
    store.put("kept", b"v1", retain_until=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(StorageError) as caught:
        store.put("kept", b"v2", keep_previous_version=True)
    assert caught.value.code == ErrorCode.RETENTION_LOCKED
    assert "not versioned" in caught.value.message
    assert store.get_bytes("kept") == b"v1"
    store.put("free", b"x")
    store.put("free", b"y", keep_previous_version=True)  # nothing retained, nothing to keep
    assert store.get_bytes("free") == b"y"


def test_unreachable_endpoint_is_backend_unavailable(closed_endpoint: str, s3_settings) -> None:
    store = S3Backend(s3_settings(closed_endpoint, "no-such-bucket", object_lock=False))
    for call, args in [
        (store.put, ("k", b"x")),
        (store.head, ("k",)),
        (store.open, ("k",)),
        (store.delete, ("k",)),
        (lambda: list(store.list_keys()), ()),
    ]:
        assert code_of(call, *args) == ErrorCode.BACKEND_UNAVAILABLE
    assert code_of(create_bucket, store.config) == ErrorCode.BACKEND_UNAVAILABLE


def test_missing_bucket_is_backend_unavailable(moto_endpoints, s3_settings) -> None:
    store = S3Backend(s3_settings(moto_endpoints[0], "bucket-that-does-not-exist"))
    assert code_of(store.put, "k", b"x") == ErrorCode.BACKEND_UNAVAILABLE
    assert code_of(lambda: list(store.list_keys())) == ErrorCode.BACKEND_UNAVAILABLE


def test_create_bucket_is_idempotent_and_reports_missing_lock(make_s3) -> None:
    store: S3Backend = make_s3(object_lock=False)
    create_bucket(store.config)  # already ours: fine
    assert code_of(create_bucket, store.config, object_lock=True) == (ErrorCode.BACKEND_UNAVAILABLE)


def test_client_configuration_follows_settings() -> None:
    config = S3Config(
        bucket="archive",
        endpoint_url="https://s3.example.test",
        region="cn-north-1",
        access_key="AK",
        secret_key="SECRET",
        addressing_style="virtual",
    )
    client = make_client(config)
    assert client.meta.config.s3 == {"addressing_style": "virtual"}
    assert client.meta.region_name == "cn-north-1"
    assert client.meta.endpoint_url == "https://s3.example.test"
    assert "SECRET" not in repr(config)
    with pytest.raises(ValueError):
        S3Config(bucket="b", addressing_style="dns")  # type: ignore[arg-type]
