"""The archive built from settings (`server/archive.py`): S3-compatible buckets when S3_BUCKET
is set, local folders under DATA_DIR otherwise; a primary bucket that is down fails an upload
cleanly."""

from __future__ import annotations

import uuid

import pytest

from domain.documents import config
from domain.models import Document
from server.archive import build_archive, configure_archive
from storage import LocalBackend, S3Backend, S3Config, create_bucket, make_client
from tests.documents.conftest import PDF


def bucket(endpoint: str, role: str) -> str:
    name = f"{role}-{uuid.uuid4().hex[:16]}"
    config_ = S3Config(
        bucket=name,
        endpoint_url=endpoint,
        access_key="testing",
        secret_key="testing",
        addressing_style="path",
    )
    create_bucket(config_)
    return name


def s3_settings(settings, primary_endpoint: str, primary: str, backup_endpoint: str, backup: str):
    return settings.model_copy(
        update={
            "s3_endpoint_url": primary_endpoint,
            "s3_bucket": primary,
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_backup_endpoint_url": backup_endpoint,
            "s3_backup_bucket": backup,
        }
    )


def keys_in(endpoint: str, name: str) -> list[str]:
    client = make_client(
        S3Config(
            bucket=name,
            endpoint_url=endpoint,
            access_key="testing",
            secret_key="testing",
            addressing_style="path",
        )
    )
    return [item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", [])]


@pytest.mark.policy("P3.2.5")
async def test_documents_live_in_two_buckets_on_two_endpoints(
    settings, moto_endpoints, person, uploaded, link, fetch
):
    primary_endpoint, backup_endpoint = moto_endpoints
    primary, backup = bucket(primary_endpoint, "primary"), bucket(backup_endpoint, "backup")
    archive = build_archive(
        s3_settings(settings, primary_endpoint, primary, backup_endpoint, backup)
    )
    assert isinstance(archive.primary, S3Backend) and isinstance(archive.backup, S3Backend)
    config.use_archive(archive)
    legal = await person("legal")
    doc = await uploaded(legal.token)
    row = await Document.get(name=doc["name"])
    assert keys_in(primary_endpoint, primary) == [row.storage_key]
    assert keys_in(backup_endpoint, backup) == [row.storage_key]
    raw = archive.primary.get_bytes(row.storage_key)
    assert b"%PDF" not in raw
    reply = await fetch((await link(legal.token, doc["id"]))["url"], legal.token)
    assert reply.content == PDF


@pytest.mark.policy("P3.2.5")
async def test_primary_bucket_down_leaves_no_row_and_no_backup_copy(
    settings, moto_endpoints, closed_endpoint, person, upload
):
    _, backup_endpoint = moto_endpoints
    backup = bucket(backup_endpoint, "backup")
    archive = build_archive(
        s3_settings(settings, closed_endpoint, "primary-down", backup_endpoint, backup)
    )
    config.use_archive(archive)
    cs = await person("cs_rep")
    reply = await upload(
        cs.token, kind="CUSTOMER_FILE", subject="ID card", related_to="R3Vlc3RQcm9maWxlOjQy"
    )
    assert reply.status == 200 and reply.errors == []
    assert reply.data["uploadDocument"]["errors"][0]["code"] == "STORAGE_UNAVAILABLE"
    assert await Document.all().count() == 0
    assert keys_in(backup_endpoint, backup) == []


async def test_embedded_default_uses_two_local_folders(settings):
    archive = build_archive(settings)
    assert isinstance(archive.primary, LocalBackend) and isinstance(archive.backup, LocalBackend)
    assert archive.primary.root == settings.data_dir / "archive" / "primary"
    assert archive.backup.root == settings.data_dir / "archive" / "backup"
    previous = config.use_archive(None)
    try:
        configure_archive(settings.model_copy(update={"document_max_upload_bytes": 1234}))
        assert config.settings().max_upload_bytes == 1234
        assert "application/pdf" in config.settings().allowed_content_types
    finally:
        configure_archive(settings)
        config.use_archive(previous)
