"""Run-time configuration of the document area, set once at start by the composition root
(`server/archive.py`): the `Archive` built from settings, the upload limits and the secret that
signs download links. Tests and operators swap the archive with `use_archive`.

Policy: P3.2.1 (every tier goes through the encrypted archive), P3.2.5 (the archive carries the
primary and the isolated backup store).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import DomainError, ErrorCode
from storage import Archive

MIB = 1 << 20

DEFAULT_CONTENT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)


@dataclass(frozen=True)
class DocumentSettings:
    link_secret: bytes = field(repr=False)
    max_upload_bytes: int = 25 * MIB
    allowed_content_types: frozenset[str] = DEFAULT_CONTENT_TYPES
    link_seconds: int = 300


_state: dict[str, object] = {}


def configure(settings: DocumentSettings, archive: Archive | None) -> None:
    _state["settings"] = settings
    _state["archive"] = archive


def settings() -> DocumentSettings:
    current = _state.get("settings")
    if not isinstance(current, DocumentSettings):
        raise RuntimeError("the document area is not configured (server.archive hook not run)")
    return current


def archive() -> Archive:
    current = _state.get("archive")
    if not isinstance(current, Archive):
        raise DomainError(ErrorCode.STORAGE_UNAVAILABLE, "The document archive is not configured.")
    return current


def use_archive(replacement: Archive | None) -> Archive | None:
    """Install another archive (a restored store, a test double of the stores); returns the
    previous one so the caller can put it back."""
    previous = _state.get("archive")
    _state["archive"] = replacement
    return previous if isinstance(previous, Archive) else None


def use_settings(replacement: DocumentSettings) -> DocumentSettings:
    previous = settings()
    _state["settings"] = replacement
    return previous
