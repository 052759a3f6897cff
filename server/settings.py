"""Settings from environment variables (and an optional `.env`), per CONTRACT.md."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: str = Field(default="development", pattern="^(development|production|test)$")
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    hotel_timezone: str = "Asia/Shanghai"
    # Language of messages when neither the account nor Accept-Language names one (en, zh-CN);
    # also the language of reports and of texts to guests booked by staff.
    default_language: str = Field(default="en", pattern="^(en|zh-CN)$")
    currency: str = "CNY"

    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_bucket: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_addressing_style: str = "path"
    # "AES256" (SSE-S3) on top of our own encryption; empty for stores without it (MinIO).
    s3_server_side_encryption: str = "AES256"
    s3_backup_endpoint_url: str | None = None
    s3_backup_bucket: str | None = None
    s3_backup_access_key_id: str | None = None
    s3_backup_secret_access_key: str | None = None
    archive_keys: str | None = None
    # Keys of personal data in database columns (server/privacy.py); same form as ARCHIVE_KEYS.
    field_keys: str | None = None
    # Documents (P3.2): upload limit, allowed content types (comma-separated), download links.
    document_max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    document_allowed_content_types: str = (
        "application/pdf,image/png,image/jpeg,text/plain,text/csv,"
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    document_link_seconds: int = Field(default=300, ge=10, le=3600)

    access_token_minutes: int = 15
    refresh_token_days: int = 30
    # How long a process trusts a session's identity without reading it again when no
    # announcement of a change reached it (authz/tokens.py; 0 reads it on every request).
    identity_cache_seconds: float = Field(default=3.0, ge=0, le=60)
    # Log-in throttling (authz/sessions.py): hard limits per client address and per (address,
    # account) pair; failures for one account from all addresses only slow it down, by a delay
    # that doubles from the base up to the cap once the soft threshold is passed.
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_max_failures_per_pair: int = Field(default=5, ge=1)
    login_account_soft_threshold: int = Field(default=10, ge=1)
    login_delay_base_seconds: int = Field(default=2, ge=1)
    login_delay_max_seconds: int = Field(default=300, ge=1)
    login_throttle_window_seconds: int = Field(default=900, ge=60)
    # Threads that hash and verify passwords (argon2id, ~130 ms and 64 MiB each).
    password_hash_workers: int = Field(default=2, ge=1, le=32)
    # Requests per minute, per token or user (anonymous callers: per client address).
    budget_staff_per_minute: int = 1200
    budget_guest_per_minute: int = 300
    budget_partner_per_minute: int = 600
    budget_anonymous_per_minute: int = 300

    max_query_depth: int = 12
    max_aliases: int = 30
    # Document limits, checked on the raw text before parsing (schema/document_shape.py): they
    # keep parse + validation of any accepted document to tens of milliseconds.
    max_query_length: int = Field(default=32 * 1024, ge=100)
    max_tokens: int = Field(default=1000, ge=10)
    max_query_fields: int = Field(default=500, ge=1)
    max_selections_per_set: int = Field(default=150, ge=1)
    max_repeated_selections: int = Field(default=64, ge=1)
    max_fragments: int = Field(default=50, ge=0)
    max_fragment_spreads: int = Field(default=200, ge=0)
    max_page_size: int = 100
    # Largest JSON request body; multipart uploads get document_max_upload_bytes + 1 MiB.
    max_request_bytes: int = 1024 * 1024
    # How long a call to PostgreSQL or Redis may wait for a connection (and a Redis command for
    # its answer) before the request is answered SERVICE_UNAVAILABLE; a database statement gets
    # database_statement_timeout_seconds. SQLite waits sqlite_busy_timeout_seconds for another
    # process's write lock before the write is refused the same way.
    dependency_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    database_statement_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    sqlite_busy_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    run_jobs_in_process: bool = True
    # Operators (server/metrics.py, server/tracing.py): the bearer token of `GET /metrics`
    # (unset: no metrics endpoint), and OpenTelemetry traces over OTLP/HTTP when an endpoint is set.
    metrics_token: str | None = Field(default=None, min_length=16)
    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str | None = None
    job_tick_seconds: float = 5.0
    pms_webhook_url: str | None = None
    pms_webhook_secret: str | None = None
    # E-mail over SMTP (unset: e-mails are written to DATA_DIR/outbox/email.log).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_security: str = Field(default="starttls", pattern="^(starttls|tls|none)$")
    smtp_from: str = "Hotel <no-reply@hotel.invalid>"
    smtp_validate_certs: bool = True
    # Text messages through an HTTP SMS gateway (unset: written to DATA_DIR/outbox/sms.log).
    sms_gateway_url: str | None = None
    sms_gateway_secret: str | None = None
    sms_gateway_api_key: str | None = None

    # Guest accounts (authz/credentials.py): how long a sign-up's e-mail verification link, a
    # password-reset link and a booking-claim code stay usable; sign-ups and reset requests per
    # client address and per e-mail address in each log-in throttle window.
    email_verification_hours: int = Field(default=48, ge=1, le=24 * 30)
    password_reset_minutes: int = Field(default=60, ge=5, le=24 * 60)
    booking_claim_minutes: int = Field(default=30, ge=5, le=24 * 60)
    account_requests_per_address: int = Field(default=10, ge=1)
    account_requests_per_email: int = Field(default=3, ge=1)
    # Development only: run the clock this far ahead (or behind) of the wall clock, in every
    # process that reads these settings (API, `hotel worker`, `hotel run-due`). Seconds
    # ("259200", "-3600"), units ("+72h", "3d", "1d12h", "90m", "30s") or an ISO-8601
    # duration ("P3D", "PT72H", "-P1DT2H"). Production refuses to start with it set.
    clock_offset: str | None = None

    @field_validator("clock_offset")
    @classmethod
    def _offset_parses(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_clock_offset(value)
            return value.strip()
        return None

    def resolved_clock_offset(self) -> dt.timedelta:
        """The offset to apply to the clock; refused outright in production."""
        if not self.clock_offset:
            return dt.timedelta(0)
        if self.is_production:
            raise RuntimeError("CLOCK_OFFSET must not be set when ENV=production")
        return parse_clock_offset(self.clock_offset)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'hotel.sqlite3').resolve()}"

    def resolved_secret_key(self) -> str:
        """Production requires SECRET_KEY; development keeps a generated one under DATA_DIR."""
        if self.secret_key:
            return self.secret_key
        if self.is_production:
            raise RuntimeError("SECRET_KEY must be set when ENV=production")
        return _persistent_secret(self.data_dir / "secret_key", lambda: secrets.token_urlsafe(48))

    def resolved_archive_keys(self) -> str:
        if self.archive_keys:
            return self.archive_keys
        if self.is_production:
            raise RuntimeError("ARCHIVE_KEYS must be set when ENV=production")
        return _persistent_secret(
            self.data_dir / "archive_keys",
            lambda: "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        )


_UNITS = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_clock_offset(text: str) -> dt.timedelta:
    """`CLOCK_OFFSET` as a timedelta: seconds, `1d12h`-style units or an ISO-8601 duration,
    each with an optional sign. Anything else is a ValueError (the setting is refused)."""
    value = text.strip()
    sign = -1 if value.startswith("-") else 1
    body = value.lstrip("+-").strip()
    if re.fullmatch(r"\d+", body):
        return sign * dt.timedelta(seconds=int(body))
    iso = _ISO.match(body.upper())
    if iso and body.upper() not in ("P", "PT") and not body.upper().endswith("T"):
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in iso.groups())
        return sign * dt.timedelta(
            weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds
        )
    units = _UNITS.match(body.lower())
    if units and body:
        days, hours, minutes, seconds = (int(g or 0) for g in units.groups())
        return sign * dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError(
        f"CLOCK_OFFSET {text!r} is not seconds, units like +72h or 1d12h, or ISO-8601 like P3D"
    )


def _persistent_secret(path: Path, make) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Created 0600 in one step: never readable by others, not even for a moment.
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(make())
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
