"""Settings from environment variables (and an optional `.env`), per CONTRACT.md."""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: str = Field(default="development", pattern="^(development|production|test)$")
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    hotel_timezone: str = "Asia/Shanghai"
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
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_throttle_window_seconds: int = 900
    # Requests per minute, per token or user (anonymous callers: per client address).
    budget_staff_per_minute: int = 1200
    budget_guest_per_minute: int = 300
    budget_partner_per_minute: int = 600
    budget_anonymous_per_minute: int = 300

    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4000
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
    job_tick_seconds: float = 5.0
    pms_webhook_url: str | None = None
    pms_webhook_secret: str | None = None

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


def _persistent_secret(path: Path, make) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
