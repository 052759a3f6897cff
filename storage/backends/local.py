"""A folder on a local or mounted disk as an archive store (the embedded default).

Layout under ``root``::

    objects/<key>                  the current copy's bytes (ciphertext)
    meta/<key>.json                its sidecar: size, sha256, retention date, inode of the data
    versions/<key>/<id>            a retained copy superseded by ``put(keep_previous_version=True)``
    versions/<key>/<id>.json       that copy's sidecar, unchanged
    tmp/                           staging for atomic writes (same filesystem: rename is atomic)
    .lock                          serialises the check-then-rename steps across threads/processes

A write streams into ``tmp/``, is fsynced, verified against the expected checksum and only then
renamed into place, so a reader sees the old object or the new one, never a partial one. The
sidecar records the data file's inode: a crash between the two renames leaves a sidecar that
no longer describes the data, and ``head`` then reports the checksum as unknown instead of
trusting it.

Retention is enforced here, by refusing deletes and overwrites of retained copies; the
filesystem itself does not enforce it (``hard_retention`` is False). A plain ``put`` over a
retained copy is refused (write-once). With ``keep_previous_version=True`` (key rotation) the
store behaves like a versioned, object-locked bucket instead: the retained copy and its sidecar
are hard-linked, byte for byte, into ``versions/`` under an id of the moment they were superseded
plus a random suffix (so several versions of one key coexist), and stay retained until their
own date; the new copy then becomes current. Hard links rather than moves mean a crash leaves
at worst an extra version identical to the current copy, never a key without its current copy.
Only ``delete``, ``locked_until`` and ``versions`` look at non-current versions: ``list_keys``
lists current copies, and ``head``, ``open`` and ``checksum`` read them. ``delete(key)`` refuses
while any version is retained and otherwise removes every version.

Policy: P3.2.3 (retention dates honoured, retained copies never overwritten or dropped),
P3.2.5 (one of the two isolated stores when each backup lives on its own device or mount).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
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
# Objects are ciphertext, but names, sizes and sidecars are nobody else's business either:
# folders 0700, files 0600 (``mkstemp`` stages every object and sidecar as 0600).
_DIR_MODE = 0o700
_FILE_MODE = 0o600
_META_SUFFIX = ".json"
#: ``<UTC moment it was superseded, to the microsecond>Z-<8 random hex digits>``.
_VERSION_ID = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}")


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
        # Not required by ``_ensure_available``: folders from before versions existed lack it.
        self._versions = self.root / "versions"
        self._durable = durable
        self._clock = clock
        if create:
            try:
                for folder in (self._objects, self._meta, self._tmp, self._versions):
                    folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            except OSError as exc:
                raise self._unavailable(exc) from exc

    # -- paths and plumbing -------------------------------------------------------------

    def _paths(self, key: str) -> tuple[Path, Path]:
        validate_key(key)
        return self._objects / key, self._meta / (key + _META_SUFFIX)

    def _version_paths(self, key: str, version_id: str) -> tuple[Path, Path]:
        if not isinstance(version_id, str) or not _VERSION_ID.fullmatch(version_id):
            raise ValueError(f"{version_id!r} is not a version id of this store")
        folder = self._versions / key
        return folder / version_id, folder / (version_id + _META_SUFFIX)

    def _version_ids(self, key: str) -> list[str]:
        """Ids of the non-current versions of ``key`` that still have their bytes, sorted."""
        try:
            names = os.listdir(self._versions / key)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(name for name in names if _VERSION_ID.fullmatch(name))

    def _new_version_id(self) -> str:
        moment = self._clock().astimezone(UTC)
        return f"{moment:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(4)}"

    def _unavailable(self, exc: BaseException) -> BackendUnavailableError:
        return BackendUnavailableError(f"{self.name}: archive folder {self.root} failed: {exc}")

    @contextlib.contextmanager
    def _translating(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise self._unavailable(exc) from exc

    def _ensure_available(self) -> None:
        # A missing tree means an unmounted or lost disk, not an empty archive.
        if not (self._objects.is_dir() and self._meta.is_dir() and self._tmp.is_dir()):
            raise BackendUnavailableError(
                f"{self.name}: archive folder {self.root} is missing or not mounted"
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, _FILE_MODE)
        with os.fdopen(fd, "r+b") as handle:
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

    def _refuse_if_retained(self, key: str, meta_paths: list[Path], action: str) -> None:
        """Raise ``RETENTION_LOCKED`` (with the latest date) if any of the copies is retained."""
        now = self._clock()
        dates = [self._retain_until(self._read_meta(path)) for path in meta_paths]
        retained = [moment for moment in dates if moment is not None and moment > now]
        if retained:
            retain_until = max(retained)
            raise RetentionLockedError(
                f"{self.name}: {key} is under retention until {retain_until.isoformat()}; "
                f"cannot {action} it",
                key=key,
                retain_until=retain_until,
            )

    def _is_retained(self, meta_path: Path) -> bool:
        retain_until = self._retain_until(self._read_meta(meta_path))
        return retain_until is not None and retain_until > self._clock()

    def _make_room(
        self, key: str, data_path: Path, meta_path: Path, keep_previous_version: bool
    ) -> None:
        """Under the lock: refuse to replace a retained copy, or keep it as a version if asked."""
        if not keep_previous_version:
            self._refuse_if_retained(key, [meta_path], "overwrite")
        elif self._is_retained(meta_path):
            self._keep_as_version(key, data_path, meta_path)

    def _keep_as_version(self, key: str, data_path: Path, meta_path: Path) -> None:
        """Link the current copy and its sidecar, unchanged, into ``versions/`` (under the lock).

        The sidecar goes first, so a crash never leaves version bytes without their retention.
        """
        version_data, version_meta = self._version_paths(key, self._new_version_id())
        version_data.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        os.link(meta_path, version_meta)
        os.link(data_path, version_data)
        self._sync_dir(version_data.parent)

    def _describe(
        self, key: str, data_path: Path, meta_path: Path, version_id: str | None = None
    ) -> ObjectInfo:
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
            version_id=version_id,
        )

    # -- interface ----------------------------------------------------------------------

    def put(
        self,
        key: str,
        data: Source,
        *,
        sha256: str | None = None,
        retain_until: datetime | None = None,
        keep_previous_version: bool = False,
    ) -> ObjectInfo:
        data_path, meta_path = self._paths(key)
        check_aware(retain_until)
        self._ensure_available()
        if not keep_previous_version:
            # Checked again under the lock; this early check only avoids staging doomed data.
            self._refuse_if_retained(key, [meta_path], "overwrite")
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
                self._make_room(key, data_path, meta_path, keep_previous_version)
                data_path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
                meta_path.parent.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
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
        return self._describe(key, data_path, meta_path)

    def versions(self, key: str) -> list[ObjectInfo]:
        """The non-current versions of ``key`` (each with its ``version_id``), sorted by id."""
        validate_key(key)
        self._ensure_available()
        with self._translating():
            ids = self._version_ids(key)
        return [self._describe(key, *self._version_paths(key, vid), vid) for vid in ids]

    def locked_until(self, key: str) -> datetime | None:
        data_path, meta_path = self._paths(key)
        self._ensure_available()
        with self._translating():
            ids = self._version_ids(key)
            if not ids and not data_path.exists():
                raise NotFoundError(f"{self.name}: no object {key}", key=key)
        sidecars = [meta_path, *(self._version_paths(key, vid)[1] for vid in ids)]
        dates = [self._retain_until(self._read_meta(path)) for path in sidecars]
        present = [moment for moment in dates if moment is not None]
        return max(present) if present else None

    def delete(self, key: str, *, version_id: str | None = None) -> None:
        """Remove the current copy and every non-current version, or only version ``version_id``.

        Retention of every targeted copy is checked first, so a refused delete removes nothing.
        """
        data_path, meta_path = self._paths(key)
        self._ensure_available()
        try:
            with self._locked():
                if version_id is None:
                    self._delete_all(key, data_path, meta_path)
                else:
                    self._delete_version(key, version_id)
        except StorageError:
            raise
        except OSError as exc:
            raise self._unavailable(exc) from exc

    def _delete_all(self, key: str, data_path: Path, meta_path: Path) -> None:
        ids = self._version_ids(key)
        if not ids and not data_path.exists():
            raise NotFoundError(f"{self.name}: no object {key}", key=key)
        sidecars = [meta_path, *(self._version_paths(key, vid)[1] for vid in ids)]
        self._refuse_if_retained(key, sidecars, "delete")
        # Versions first: an interrupted delete leaves the key listed and purgeable, not hidden.
        self._remove_versions(key)
        data_path.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        self._sync_dir(data_path.parent)
        self._prune(data_path.parent, self._objects)
        self._prune(meta_path.parent, self._meta)

    def _delete_version(self, key: str, version_id: str) -> None:
        data_path, meta_path = self._version_paths(key, version_id)
        if not data_path.exists():
            raise NotFoundError(f"{self.name}: no version {version_id} of {key}", key=key)
        self._refuse_if_retained(key, [meta_path], "delete")
        data_path.unlink()
        meta_path.unlink(missing_ok=True)
        self._sync_dir(data_path.parent)
        self._prune(data_path.parent, self._versions)

    def _remove_versions(self, key: str) -> None:
        folder = self._versions / key
        try:
            names = os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in names:
            # Also sidecars whose bytes were never linked (a crash between the two links).
            if _VERSION_ID.fullmatch(name.removesuffix(_META_SUFFIX)):
                (folder / name).unlink()
        self._sync_dir(folder)
        self._prune(folder, self._versions)

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
        """Keys of current copies; ``versions/`` is never listed."""
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
