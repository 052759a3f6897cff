"""Builds the document archive from settings at start (an `EXTRA_CONFIGURE` hook).

Embedded default: two local folders, `DATA_DIR/archive/primary` and `DATA_DIR/archive/backup`
(mount them on two devices for physically isolated copies). With `S3_BUCKET` (and
`S3_ENDPOINT_URL` for a non-AWS store) the primary is that bucket; `S3_BACKUP_BUCKET` (and
`S3_BACKUP_ENDPOINT_URL`) makes the backup a second bucket, else the backup stays the local
folder. `ARCHIVE_KEYS` holds the key-encryption keys (development generates one under
`DATA_DIR`; production refuses to start without them). The same hook sets the upload limits and
the download-link secret of the document area.

Policy: P3.2.1 (AES-256 envelope encryption with configured keys), P3.2.5 (primary and
isolated backup store).
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from domain.clock import clock
from domain.documents import config as documents_config
from server.settings import Settings
from storage import Archive, Backend, Keyring, LocalBackend, S3Backend, S3Config

log = logging.getLogger("hotel.archive")


def _s3(settings: Settings, *, backup: bool) -> S3Backend:
    if backup:
        bucket = settings.s3_backup_bucket
        endpoint = settings.s3_backup_endpoint_url or settings.s3_endpoint_url
        access_key = settings.s3_backup_access_key_id or settings.s3_access_key_id
        secret_key = settings.s3_backup_secret_access_key or settings.s3_secret_access_key
    else:
        bucket = settings.s3_bucket
        endpoint = settings.s3_endpoint_url
        access_key = settings.s3_access_key_id
        secret_key = settings.s3_secret_access_key
    config = S3Config(
        bucket=bucket or "",
        endpoint_url=endpoint,
        region=settings.s3_region,
        access_key=access_key,
        secret_key=secret_key,
        addressing_style="virtual" if settings.s3_addressing_style == "virtual" else "path",
        server_side_encryption=settings.s3_server_side_encryption or None,
    )
    return S3Backend(config, name="backup" if backup else "primary", clock=clock.now)


def build_archive(settings: Settings) -> Archive:
    keyring = Keyring.from_string(settings.resolved_archive_keys())
    root = settings.data_dir / "archive"
    primary: Backend = (
        _s3(settings, backup=False)
        if settings.s3_bucket
        else LocalBackend(root / "primary", name="primary", clock=clock.now)
    )
    backup: Backend = (
        _s3(settings, backup=True)
        if settings.s3_backup_bucket
        else LocalBackend(root / "backup", name="backup", clock=clock.now)
    )
    if settings.s3_bucket and not settings.s3_backup_bucket:
        log.warning(
            "the archive backup is the local folder %s; with several API machines set "
            "S3_BACKUP_BUCKET so that every process writes the same isolated copy",
            root / "backup",
        )
    return Archive(keyring, primary, backup, clock=clock.now)


def document_settings(settings: Settings) -> documents_config.DocumentSettings:
    secret = hmac.new(
        settings.resolved_secret_key().encode("utf-8"), b"document-links", hashlib.sha256
    ).digest()
    allowed = frozenset(
        t.strip().lower() for t in settings.document_allowed_content_types.split(",") if t.strip()
    )
    return documents_config.DocumentSettings(
        link_secret=secret,
        max_upload_bytes=settings.document_max_upload_bytes,
        allowed_content_types=allowed,
        link_seconds=settings.document_link_seconds,
    )


def configure_archive(settings: Settings) -> None:
    documents_config.configure(document_settings(settings), build_archive(settings))
