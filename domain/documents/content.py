"""What may be uploaded: a content type on the allow-list whose first bytes look like that type,
no larger than the configured limit. The limit is enforced on the bytes actually read, not on
the size the client declared, and the check happens while the content streams into the archive
so nothing is ever stored from an oversized upload.

Policy: P3.2.1 and P3.2.2 (only expected file types enter the legal and customer archives).
"""

from __future__ import annotations

from typing import BinaryIO

from domain.errors import DomainError, ErrorCode

# Leading bytes of the types that have a reliable signature. Types without one (plain text,
# CSV) are accepted on their declared type.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
SNIFF_BYTES = 16

EXTENSIONS: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "text/html": ".html",
    "application/json": ".json",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


class TooLarge(Exception):
    """Raised from inside the archive's read loop; turned into FILE_TOO_LARGE by the caller."""


def normalise(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_type(content_type: str, allowed: frozenset[str]) -> str:
    kind = normalise(content_type)
    if kind not in allowed:
        raise DomainError(
            ErrorCode.CONTENT_TYPE_NOT_ALLOWED,
            f"Files of type '{kind or 'unknown'}' may not be archived; allowed: "
            + ", ".join(sorted(allowed))
            + ".",
            "file",
        )
    return kind


def check_declared_size(size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise too_large(limit)


def too_large(limit: int) -> DomainError:
    return DomainError(
        ErrorCode.FILE_TOO_LARGE, f"The file is larger than the limit of {limit} bytes.", "file"
    )


def check_signature(content_type: str, head: bytes) -> None:
    if not head:
        raise DomainError(ErrorCode.INVALID, "The file is empty.", "file")
    expected = _SIGNATURES.get(content_type)
    if expected and not any(head.startswith(prefix) for prefix in expected):
        raise DomainError(
            ErrorCode.CONTENT_TYPE_NOT_ALLOWED,
            f"The file content is not {content_type}.",
            "file",
        )


class LimitedReader:
    """`read(n)` over a head already read plus the rest of a binary file, refusing to go past
    `limit` bytes in total."""

    def __init__(self, head: bytes, rest: BinaryIO, limit: int) -> None:
        self._head = head
        self._rest = rest
        self._limit = limit
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size is None or size < 0 or size >= len(self._head):
                data, self._head = self._head, b""
            else:
                data, self._head = self._head[:size], self._head[size:]
        else:
            # Never ask for more than one byte past the limit, so an endless stream stops.
            room = self._limit - self.count + 1
            data = self._rest.read(room if size is None or size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self._limit:
            raise TooLarge()
        return data


def read_head(source: BinaryIO) -> bytes:
    return source.read(SNIFF_BYTES)
