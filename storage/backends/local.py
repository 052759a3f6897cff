"""A folder on a local or mounted disk as an archive store (the embedded default).

Layout under ``root``::

    objects/<key>        the stored bytes (ciphertext)
    meta/<key>.json      sidecar: size, sha256, retention date, inode of the data file
    tmp/                 staging for atomic writes (same filesystem, so rename is atomic)
    .lock                serialises the check-then-rename steps across threads and processes

A write streams into ``tmp/``, is fsynced, verified against the expected checksum and only then
renamed into place, so a reader sees the old object or the new one, never a partial one. The
sidecar records the data file's inode: a crash between the two renames leaves a sidecar that
no longer describes the data, and ``head`` then reports the checksum as unknown instead of
trusting it. Retention is enforced here, by refusing deletes and overwrites of retained copies;
the filesystem itself does not enforce it (``hard_retention`` is False).

Policy: P3.2.3 (retention dates honoured), P3.2.5 (one of the two isolated stores when each
backup lives on its own device or mount).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from ..errors import (
    BackendUnavailableError,
    NotFoundError,
    RetentionLockedError,
    StorageError,
    TamperedError,
)
from ..streams import HashingReader, Source, as_reader, iter_blocks
from .base import Backend, Clock, ObjectInfo, ReadStream, check_aware, utc_now, validate_key

_BLOCK = 1 << 20
_META_SUFFIX = ".json"


class LocalBackend(Backend):
    hard_retention = False

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        name: str = "local",
        create: bool = True,
        durable: bool = True,
        clock: Clock = utc_now,
    ) -> None:
        self.name = name
        self.root = Path(root)
        self.location = f"file://{self.root.resolve()}"
        self._objects = self.root / "objects"
        self._meta = self.root / "meta"
        self._tmp = self.root / "tmp"
        self._durable = durable
        self._clock = clock
        if create:
            try:
                for folder in (self._objects, self._meta, self._tmp):
                    folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._unavailable(exc) from exc

    # -- paths and plumbing -------------------------------------------------------------

    def _paths(self, key: str) -> tuple[Path, Path]:
        validate_key(key)
        return self._objects / key, self._meta / (key + _META_SUFFIX)

    def _unavailable(self, exc: BaseException) -> BackendUnavailableError:
        return BackendUnavailableError(f"{self.name}: archive folder {self.root} failed: {exc}")

    def _ensure_available(self) -> None:
        # A missing tree means an unmounted or lost disk, not an empty archive.
        if not (self._objects.is_dir() and self._meta.is_dir() and self._tmp.is_dir()):
            raise BackendUnavailableError(
                f"{self.name}: archive folder {self.root} is missing or not mounted"
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.root / ".lock", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _sync_dir(self, folder: Path) -> None:
        if not self._durable:
            return
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _read_meta(self, meta_path: Path) -> dict[str, object]:
        try:
            with open(meta_path, encoding="utf-8") as handle:
                meta = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # An unreadable sidecar must not make the object unreadable; its checksum is unknown.
            return {}
        return meta if isinstance(meta, dict) else {}

    @staticmethod
    def _retain_until(meta: dict[str, object]) -> datetime | None:
        value = meta.get("retain_until")
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None

    def _refuse_if_retained(self, key: str, meta_path: Path, action: str) -> None:
        retain_until = self._retain_until(self._read_meta(meta_path))
        if retain_until is not None and retain_until > self._clock():
            raise RetentionLockedError(
                f"{self.name}: {key} is under retention until {retain_until.isoformat()}; "
                f"cannot {action} it",
                key=key,
                retain_until=retain_until,
            )

    # -- interface ----------------------------------------------------------------------

    def put(
        self,
        key: str,
        data: Source,
        *,
        sha256: str | None = None,
        retain_until: datetime | None = None,
    ) -> ObjectInfo:
        data_path, meta_path = self._paths(key)
        check_aware(retain_until)
        self._ensure_available()
        # Checked again under the lock; this early check only avoids staging doomed data.
        self._refuse_if_retained(key, meta_path, "overwrite")
        staged: list[str] = []
        try:
            reader = HashingReader(as_reader(data))
            fd, data_tmp = tempfile.mkstemp(dir=self._tmp, prefix="data-")
            staged.append(data_tmp)
            with os.fdopen(fd, "wb") as handle:
                for block in iter_blocks(reader, _BLOCK):
                    handle.write(block)
                handle.flush()
                if self._durable:
                    os.fsync(handle.fileno())
                inode = os.fstat(handle.fileno()).st_ino
            if sha256 is not None and reader.sha256 != sha256.lower():
                raise TamperedError(
                    f"{self.name}: content for {key} does not match its expected sha256"
                )
            meta = {
                "size": reader.size,
                "sha256": reader.sha256,
                "retain_until": retain_until.isoformat() if retain_until else None,
                "inode": inode,
                "written_at": self._clock().isoformat(),
            }
            fd, meta_tmp = tempfile.mkstemp(dir=self._tmp, prefix="meta-")
            staged.append(meta_tmp)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(meta, handle)
                handle.flush()
                if self._durable:
                    os.fsync(handle.fileno())
            with self._locked():
                self._refuse_if_retained(key, meta_path, "overwrite")
                data_path.parent.mkdir(parents=True, exist_ok=True)
                meta_path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(meta_tmp, meta_path)
                os.replace(data_tmp, data_path)
                staged.clear()
                self._sync_dir(meta_path.parent)
                self._sync_dir(data_path.parent)
        except StorageError:
            raise
        except OSError as exc:
            raise self._unavailable(exc) from exc
        finally:
            for leftover in staged:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
        return ObjectInfo(key, reader.size, reader.sha256, retain_until)

    def open(self, key: str) -> ReadStream:
        data_path, _ = self._paths(key)
        self._ensure_available()
        try:
            handle = open(data_path, "rb")
        except FileNotFoundError:
            raise NotFoundError(f"{self.name}: no object {key}", key=key) from None
        except OSError as exc:
            raise self._unavailable(exc) from exc
        return ReadStream(handle, self._unavailable, handle.close)

    def head(self, key: str) -> ObjectInfo:
        data_path, meta_path = self._paths(key)
        self._ensure_available()
        try:
            stat = os.stat(data_path)
        except FileNotFoundError:
            raise NotFoundError(f"{self.name}: no object {key}", key=key) from None
        except OSError as exc:
            raise self._unavailable(exc) from exc
        meta = self._read_meta(meta_path)
        describes_data = meta.get("inode") == stat.st_ino and meta.get("size") == stat.st_size
        digest = meta.get("sha256") if describes_data else None
        return ObjectInfo(
            key=key,
            size=stat.st_size,
            sha256=digest if isinstance(digest, str) else None,
            retain_until=self._retain_until(meta),
        )

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        data_path, meta_path = self._paths(key)
        self._ensure_available()
        try:
            with self._locked():
                if not data_path.exists():
                    raise NotFoundError(f"{self.name}: no object {key}", key=key)
                self._refuse_if_retained(key, meta_path, "delete")
                data_path.unlink()
                meta_path.unlink(missing_ok=True)
                self._sync_dir(data_path.parent)
                self._prune(data_path.parent, self._objects)
                self._prune(meta_path.parent, self._meta)
        except StorageError:
            raise
        except OSError as exc:
            raise self._unavailable(exc) from exc

    @staticmethod
    def _prune(folder: Path, stop: Path) -> None:
        # Empty month/year folders would otherwise accumulate forever after purges.
        while folder != stop and stop in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        self._ensure_available()
        return self._walk(prefix)

    def _walk(self, prefix: str) -> Iterator[str]:
        base = str(self._objects)
        try:
            for folder, subfolders, files in os.walk(base, onerror=_raise):
                subfolders.sort()
                relative = os.path.relpath(folder, base)
                folder_key = "" if relative == "." else relative.replace(os.sep, "/") + "/"
                # Skip whole subtrees that cannot contain the prefix.
                if not (folder_key.startswith(prefix) or prefix.startswith(folder_key)):
                    subfolders.clear()
                    continue
                for filename in sorted(files):
                    key = folder_key + filename
                    if key.startswith(prefix):
                        yield key
        except OSError as exc:
            raise self._unavailable(exc) from exc


def _raise(exc: OSError) -> None:
    raise exc
