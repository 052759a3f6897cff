"""An S3-compatible bucket (AWS, MinIO, Ceph, OSS, ...) as an archive store, through boto3.

Every write asks for server-side encryption (on top of our own envelope encryption, so a
store-side key leak alone reveals nothing), sends Content-MD5 per request (what object-lock
writes require and every S3 implementation understands, unlike the newer flexible checksums),
and records the SHA-256 of the whole object and its retention date as object metadata. Large
objects go up as multipart uploads that are aborted on any failure, so no partial object is
ever visible.

Retention: when the bucket has object lock enabled, each retained write is locked in
``object_lock_mode`` (COMPLIANCE by default) until its date and the store itself refuses
early deletes (``hard_retention``). Without object lock the date is still recorded and this
library refuses the delete. A versioned bucket keeps every version, so a write over a retained
copy leaves it as a non-current version (what ``put(keep_previous_version=True)`` asks for);
an unversioned bucket refuses such a write with ``RETENTION_LOCKED``, flag or not. ``delete``
without a version removes every version (checking retention of each first), which is what a
purge means.

All botocore failures become ``StorageError``: unreachable endpoint, timeouts, 5xx, bad
credentials -> ``BACKEND_UNAVAILABLE``; missing key -> ``NOT_FOUND``; a delete refused by the
lock -> ``RETENTION_LOCKED``.

Policy: P3.2.1 (encrypted at rest twice over), P3.2.3 (retention enforced by object lock),
P3.2.5 (a separate bucket or endpoint per backup copy).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from ..errors import (
    BackendUnavailableError,
    NotFoundError,
    RetentionLockedError,
    StorageError,
    TamperedError,
)
from ..streams import IterReader, Reader, Source, as_reader, iter_blocks, read_exact
from .base import Backend, Clock, ObjectInfo, ReadStream, check_aware, utc_now, validate_key

MIB = 1 << 20
# S3's floor for every part but the last.
MIN_PART_SIZE = 5 * MIB
MAX_PARTS = 10_000

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404", "NoSuchVersion"})
_LOCK_REFUSAL_CODES = frozenset({"AccessDenied", "ObjectLocked"})
_TRANSPORT_ERRORS = (BotoCoreError, Urllib3HTTPError, OSError)
_SHA_META = "sha256"
_RETAIN_META = "retain-until"


@dataclass(frozen=True)
class S3Config:
    """Connection and behaviour of one bucket; build one per store (primary, backup)."""

    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    addressing_style: Literal["virtual", "path"] = "virtual"
    #: "AES256" (SSE-S3); None for stores that reject the header (e.g. MinIO without a KMS).
    server_side_encryption: str | None = "AES256"
    object_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] = "COMPLIANCE"
    #: None: ask the bucket once whether object lock is enabled.
    object_lock: bool | None = None
    multipart_threshold: int = 16 * MIB
    part_size: int = 8 * MIB
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_attempts: int = 3

    def __post_init__(self) -> None:
        if not self.bucket:
            raise ValueError("S3Config.bucket is required")
        if self.addressing_style not in ("virtual", "path"):
            raise ValueError("addressing_style must be 'virtual' or 'path'")
        if self.object_lock_mode not in ("COMPLIANCE", "GOVERNANCE"):
            raise ValueError("object_lock_mode must be 'COMPLIANCE' or 'GOVERNANCE'")
        if self.part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        if self.multipart_threshold < 1:
            raise ValueError("multipart_threshold must be positive")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


def make_client(config: S3Config) -> Any:
    """A boto3 S3 client for ``config`` (explicit credentials if given, else boto3's chain)."""
    session = boto3.session.Session(
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        aws_session_token=config.session_token,
        region_name=config.region,
    )
    client_config = Config(
        signature_version="s3v4",
        s3={"addressing_style": config.addressing_style},
        retries={"mode": "standard", "max_attempts": config.max_attempts},
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        # Many S3-compatible stores reject the CRC trailers boto3 sends by default.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=config.endpoint_url, config=client_config)


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")


def create_bucket(config: S3Config, *, object_lock: bool = False, client: Any = None) -> None:
    """Create the bucket with versioning (and object lock if asked); idempotent for our own.

    Object lock can only be chosen at creation on most S3 implementations, so an existing
    bucket without it is reported rather than silently used without hard retention.
    """
    client = client or make_client(config)
    name = f"s3://{config.bucket}"
    kwargs: dict[str, Any] = {"Bucket": config.bucket}
    if config.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": config.region}
    if object_lock:
        kwargs["ObjectLockEnabledForBucket"] = True
    try:
        # Probe first: re-creating an existing bucket means different things on different stores.
        if not _bucket_exists(client, config.bucket):
            try:
                client.create_bucket(**kwargs)
            except ClientError as exc:
                if _error_code(exc) != "BucketAlreadyOwnedByYou":
                    raise
        client.put_bucket_versioning(
            Bucket=config.bucket, VersioningConfiguration={"Status": "Enabled"}
        )
        if object_lock and not _bucket_lock_enabled(client, config.bucket):
            raise BackendUnavailableError(
                f"{name} exists without object lock; create a new bucket for hard retention"
            )
    except StorageError:
        raise
    except ClientError as exc:
        raise BackendUnavailableError(f"{name}: cannot create bucket: {exc}") from exc
    except _TRANSPORT_ERRORS as exc:
        raise BackendUnavailableError(f"{name}: store unreachable: {exc}") from exc


def _bucket_exists(client: Any, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if _error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True


def _bucket_lock_enabled(client: Any, bucket: str) -> bool:
    try:
        response = client.get_object_lock_configuration(Bucket=bucket)
    except ClientError as exc:
        if _error_code(exc) == "ObjectLockConfigurationNotFoundError":
            return False
        raise
    config = response.get("ObjectLockConfiguration", {})
    return config.get("ObjectLockEnabled") == "Enabled"


class S3Backend(Backend):
    def __init__(
        self,
        config: S3Config,
        *,
        name: str = "s3",
        clock: Clock = utc_now,
        client: Any = None,
    ) -> None:
        self.name = name
        self.config = config
        endpoint = (config.endpoint_url or f"aws:{config.region}").rstrip("/")
        self.location = f"s3:{endpoint}/{config.bucket}"
        self._client = client or make_client(config)
        self._clock = clock
        self._lock_enabled: bool | None = config.object_lock
        self._versioned: bool | None = None

    # -- plumbing -----------------------------------------------------------------------

    def _translate(
        self, exc: Exception, *, key: str | None = None, deleting: bool = False
    ) -> StorageError:
        where = f"{self.name} (s3://{self.config.bucket})"
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, ClientError):
            code = _error_code(exc)
            if code in _NOT_FOUND_CODES:
                return NotFoundError(f"{where}: no object {key}", key=key)
            if deleting and code in _LOCK_REFUSAL_CODES:
                return RetentionLockedError(
                    f"{where}: the store refused to delete {key} ({code}): retention lock",
                    key=key,
                )
            return BackendUnavailableError(f"{where}: request refused: {code or exc}")
        return BackendUnavailableError(f"{where}: store unreachable: {exc}")

    def _call(self, operation: str, *, key: str | None = None, **params: Any) -> Any:
        try:
            return getattr(self._client, operation)(Bucket=self.config.bucket, **params)
        except (ClientError, *_TRANSPORT_ERRORS) as exc:
            raise self._translate(exc, key=key) from exc

    @property
    def hard_retention(self) -> bool:  # type: ignore[override]
        return self._object_lock_enabled()

    def _object_lock_enabled(self) -> bool:
        if self._lock_enabled is None:
            try:
                self._lock_enabled = _bucket_lock_enabled(self._client, self.config.bucket)
            except (ClientError, *_TRANSPORT_ERRORS) as exc:
                raise self._translate(exc) from exc
        return self._lock_enabled

    def _is_versioned(self) -> bool:
        if self._versioned is None:
            response = self._call("get_bucket_versioning")
            self._versioned = response.get("Status") in ("Enabled", "Suspended")
        return self._versioned

    def _object_params(
        self, key: str, sha256: str, retain_until: datetime | None
    ) -> dict[str, Any]:
        metadata = {_SHA_META: sha256}
        params: dict[str, Any] = {"Key": key, "ContentType": "application/octet-stream"}
        if retain_until is not None:
            metadata[_RETAIN_META] = retain_until.astimezone(UTC).isoformat()
            if self._object_lock_enabled():
                params["ObjectLockMode"] = self.config.object_lock_mode
                params["ObjectLockRetainUntilDate"] = retain_until
        params["Metadata"] = metadata
        if self.config.server_side_encryption:
            params["ServerSideEncryption"] = self.config.server_side_encryption
        return params

    def _info(self, key: str, response: dict[str, Any]) -> ObjectInfo:
        metadata = {k.lower(): v for k, v in response.get("Metadata", {}).items()}
        candidates = [response.get("ObjectLockRetainUntilDate")]
        with contextlib.suppress(TypeError, ValueError):
            candidates.append(datetime.fromisoformat(metadata.get(_RETAIN_META, "")))
        dates = [d for d in candidates if isinstance(d, datetime) and d.tzinfo is not None]
        return ObjectInfo(
            key=key,
            size=int(response.get("ContentLength", 0)),
            sha256=metadata.get(_SHA_META),
            retain_until=max(dates) if dates else None,
            version_id=_real_version(response.get("VersionId")),
        )

    def _head(self, key: str, version_id: str | None = None) -> ObjectInfo:
        extra = {"VersionId": version_id} if version_id else {}
        return self._info(key, self._call("head_object", key=key, Key=key, **extra))

    # -- writes -------------------------------------------------------------------------

    def _refuse_overwrite_if_retained(self, key: str, keep_previous_version: bool) -> None:
        try:
            retain_until = self._head(key).retain_until
        except NotFoundError:
            return
        if retain_until is not None and retain_until > self._clock():
            reason = (
                "cannot keep it as a previous version: the bucket is not versioned"
                if keep_previous_version
                else "cannot overwrite it in an unversioned bucket"
            )
            raise RetentionLockedError(
                f"{self.name}: {key} is under retention until {retain_until.isoformat()}; {reason}",
                key=key,
                retain_until=retain_until,
            )

    def put(
        self,
        key: str,
        data: Source,
        *,
        sha256: str | None = None,
        retain_until: datetime | None = None,
        keep_previous_version: bool = False,
    ) -> ObjectInfo:
        validate_key(key)
        check_aware(retain_until)
        if not self._is_versioned():
            # Without versions an overwrite destroys the retained copy; with them it stays, so
            # ``keep_previous_version`` needs nothing more on a versioned bucket.
            self._refuse_overwrite_if_retained(key, keep_previous_version)
        expected = sha256.lower() if sha256 else None
        reader = as_reader(data)
        first = read_exact(reader, self.config.multipart_threshold)
        if len(first) < self.config.multipart_threshold:
            return self._put_single(key, first, expected, retain_until)
        rest = IterReader(itertools.chain([first], iter_blocks(reader, self.config.part_size)))
        if expected is not None:
            return self._put_multipart(key, rest, expected, retain_until, verify=True)
        # S3 fixes an object's metadata when the upload starts, before the checksum is known.
        with tempfile.SpooledTemporaryFile(max_size=self.config.part_size) as spool:
            digest = hashlib.sha256()
            for block in iter_blocks(rest, self.config.part_size):
                digest.update(block)
                spool.write(block)
            spool.seek(0)
            return self._put_multipart(key, spool, digest.hexdigest(), retain_until, verify=False)

    def _put_single(
        self, key: str, body: bytes, expected: str | None, retain_until: datetime | None
    ) -> ObjectInfo:
        digest = hashlib.sha256(body).hexdigest()
        if expected is not None and digest != expected:
            raise TamperedError(f"{self.name}: content for {key} does not match its sha256")
        params = self._object_params(key, digest, retain_until)
        response = self._call("put_object", key=key, Body=body, ContentMD5=_md5_b64(body), **params)
        return ObjectInfo(key, len(body), digest, retain_until, _real_version(response))

    def _put_multipart(
        self,
        key: str,
        reader: Reader,
        sha256: str,
        retain_until: datetime | None,
        *,
        verify: bool,
    ) -> ObjectInfo:
        params = self._object_params(key, sha256, retain_until)
        upload_id = self._call("create_multipart_upload", key=key, **params)["UploadId"]
        try:
            digest = hashlib.sha256()
            parts: list[dict[str, Any]] = []
            size = 0
            for number, block in enumerate(iter_blocks(reader, self.config.part_size), start=1):
                if number > MAX_PARTS:
                    raise BackendUnavailableError(
                        f"{self.name}: {key} exceeds {MAX_PARTS} parts; raise part_size"
                    )
                digest.update(block)
                size += len(block)
                response = self._call(
                    "upload_part",
                    key=key,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=block,
                    ContentMD5=_md5_b64(block),
                )
                parts.append({"ETag": response["ETag"], "PartNumber": number})
            if verify and digest.hexdigest() != sha256:
                raise TamperedError(f"{self.name}: content for {key} does not match its sha256")
            response = self._call(
                "complete_multipart_upload",
                key=key,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException as exc:
            # An abandoned upload is invisible but billed and keeps its parts; always abort.
            with contextlib.suppress(Exception):
                self._client.abort_multipart_upload(
                    Bucket=self.config.bucket, Key=key, UploadId=upload_id
                )
            if isinstance(exc, (ClientError, *_TRANSPORT_ERRORS)):
                raise self._translate(exc, key=key) from exc
            raise
        return ObjectInfo(key, size, sha256, retain_until, _real_version(response))

    # -- reads --------------------------------------------------------------------------

    def open(self, key: str) -> ReadStream:
        validate_key(key)
        body = self._call("get_object", key=key, Key=key)["Body"]
        return ReadStream(body, lambda exc: self._translate(exc, key=key), body.close)

    def head(self, key: str) -> ObjectInfo:
        validate_key(key)
        return self._head(key)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.config.bucket, Prefix=prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, *_TRANSPORT_ERRORS) as exc:
            raise self._translate(exc) from exc

    def _versions(self, key: str) -> list[tuple[str, bool]]:
        """``(version id, is delete marker)`` of every stored version of exactly ``key``."""
        paginator = self._client.get_paginator("list_object_versions")
        found: list[tuple[str, bool]] = []
        try:
            for page in paginator.paginate(Bucket=self.config.bucket, Prefix=key):
                for item in page.get("Versions", []):
                    if item["Key"] == key:
                        found.append((item["VersionId"], False))
                for item in page.get("DeleteMarkers", []):
                    if item["Key"] == key:
                        found.append((item["VersionId"], True))
        except (ClientError, *_TRANSPORT_ERRORS) as exc:
            raise self._translate(exc, key=key) from exc
        return found

    def locked_until(self, key: str) -> datetime | None:
        validate_key(key)
        if not self._is_versioned():
            return self._head(key).retain_until
        versions = [version for version, marker in self._versions(key) if not marker]
        if not versions:
            raise NotFoundError(f"{self.name}: no object {key}", key=key)
        dates = [self._head(key, version).retain_until for version in versions]
        present = [moment for moment in dates if moment is not None]
        return max(present) if present else None

    # -- deletes ------------------------------------------------------------------------

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        validate_key(key)
        if version_id is not None:
            targets = [(version_id, False)]
        elif self._is_versioned():
            targets = self._versions(key)
            if not any(not marker for _, marker in targets):
                raise NotFoundError(f"{self.name}: no object {key}", key=key)
        else:
            targets = [("", False)]
        now = self._clock()
        # Check every copy first so a refused purge leaves the object whole, not half-deleted.
        for version, marker in targets:
            if marker:
                continue
            info = self._head(key, version or None)
            if info.retain_until is not None and info.retain_until > now:
                raise RetentionLockedError(
                    f"{self.name}: {key} is under retention until "
                    f"{info.retain_until.isoformat()}; cannot delete it",
                    key=key,
                    retain_until=info.retain_until,
                )
        for version, _ in targets:
            extra = {"VersionId": version} if version else {}
            try:
                self._client.delete_object(Bucket=self.config.bucket, Key=key, **extra)
            except (ClientError, *_TRANSPORT_ERRORS) as exc:
                raise self._translate(exc, key=key, deleting=True) from exc


def _real_version(source: Any) -> str | None:
    """The version id of a response or value, None for unversioned buckets ("null")."""
    value = source.get("VersionId") if isinstance(source, dict) else source
    return value if isinstance(value, str) and value and value != "null" else None
