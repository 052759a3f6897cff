"""Byte-stream plumbing shared by the crypto layer, the backends and the archive.

Everything in the archive moves as a stream so that a document of any size passes through in
constant memory; these helpers turn the three shapes a caller may hold (bytes, a binary file, an
iterable of byte chunks) into one ``read(n)`` interface and hash bytes as they flow past.

Policy: P3.2.1 (large legal documents are encrypted without being held in memory) and P3.2.5
(checksums computed in flight let two replicas be compared without re-reading them).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol, runtime_checkable


@runtime_checkable
class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


Source = bytes | bytearray | memoryview | BinaryIO | Reader | Iterable[bytes]


class IterReader(io.RawIOBase):
    """A read-only file over an iterable of byte chunks, buffering at most one chunk ahead."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = bytearray()
        self._exhausted = False

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> None:
        while not self._exhausted and (size < 0 or len(self._buffer) < size):
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._exhausted = True
                break
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise TypeError(f"stream chunks must be bytes, got {type(chunk).__name__}")
            self._buffer += chunk

    def read(self, size: int = -1, /) -> bytes:
        if size is None:
            size = -1
        self._fill(size)
        if size < 0 or size >= len(self._buffer):
            out = bytes(self._buffer)
            self._buffer.clear()
            return out
        out = bytes(self._buffer[:size])
        # Deleting from the front of a bytearray is amortised O(1) in CPython.
        del self._buffer[:size]
        return out

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if callable(close):
            close()
        super().close()


def as_reader(source: Source) -> Reader:
    """Return an object with ``read(n)`` over ``source`` without copying file-like sources."""
    if isinstance(source, str):
        raise TypeError("archive content must be bytes, not str; encode it first")
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if callable(getattr(source, "read", None)):
        return source  # type: ignore[return-value]
    if isinstance(source, Iterable):
        return IterReader(source)
    raise TypeError(f"cannot read archive content from {type(source).__name__}")


def read_exact(reader: Reader, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of stream (raw and socket reads may return short)."""
    first = reader.read(size)
    if not first or len(first) == size:
        return bytes(first)
    parts = [first]
    missing = size - len(first)
    while missing > 0:
        more = reader.read(missing)
        if not more:
            break
        parts.append(more)
        missing -= len(more)
    return b"".join(parts)


def iter_blocks(reader: Reader, size: int) -> Iterator[bytes]:
    """Yield blocks of exactly ``size`` bytes (the last may be shorter) until end of stream."""
    while True:
        block = read_exact(reader, size)
        if not block:
            return
        yield block
        if len(block) < size:
            return


class HashingReader:
    """Pass-through reader that keeps the SHA-256 and length of everything read through it."""

    def __init__(self, inner: Reader) -> None:
        self._inner = inner
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._inner.read(size)
        self._hash.update(data)
        self.size += len(data)
        return data

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def sha256_of(reader: Reader, block_size: int = 1 << 20) -> tuple[str, int]:
    """Hash a stream to its end and return ``(hex digest, length)``."""
    digest = hashlib.sha256()
    size = 0
    for block in iter_blocks(reader, block_size):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size
