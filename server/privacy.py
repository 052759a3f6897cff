"""Keeping personal data private at rest (P6.1.2), configured at start (an `EXTRA_CONFIGURE`
hook plus the first steps of every command).

Field keys: ``FIELD_KEYS`` (``keyid:base64-of-32-bytes,...``, the first current, as
``ARCHIVE_KEYS``) when set; the archive keyring always follows it, each key under the id
``archive.<id>``, from which field keys are derived by HKDF with their own label. So an
installation works without a new secret (development generates ``ARCHIVE_KEYS`` under
``DATA_DIR``; production already must set it), an operator can give personal data keys of its
own at any time, and rows written under the derived keys still read. Rotation: put a new key
first in ``FIELD_KEYS``, run ``hotel reencrypt-personal-data``, then retire the old key.

Files: the process umask is 077, and the database file, its WAL and shared-memory files,
secrets, outbox logs and archive folders are created (and, when found from an older version,
tightened) to 0600 files and 0700 folders.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from domain import personal_data
from domain.personal_data import FieldKeyring
from domain.privacy_rights import scrub
from server.settings import Settings
from storage import Keyring
from workers.delivery.files import scrub_log_files

log = logging.getLogger("hotel.privacy")

FILE_MODE = 0o600
DIR_MODE = 0o700
ARCHIVE_PREFIX = "archive."


def restrict_umask() -> None:
    """Files this process creates are its own: 0600 and 0700 unless made otherwise."""
    os.umask(0o077)


def field_keyring(settings: Settings) -> FieldKeyring:
    try:
        archive = Keyring.from_string(settings.resolved_archive_keys())
    except RuntimeError:
        if not settings.field_keys:
            raise
        archive = None
    derived = archive and FieldKeyring.from_keyring(archive, prefix=ARCHIVE_PREFIX)
    if not settings.field_keys:
        return derived  # type: ignore[return-value]
    own = FieldKeyring.from_keyring(Keyring.from_string(settings.field_keys))
    return own.plus(derived) if derived else own


def configure_personal_data(settings: Settings) -> None:
    personal_data.configure(field_keyring(settings))
    configure_log_scrubbing(settings)


def configure_log_scrubbing(settings: Settings) -> None:
    """An erased guest's identifiers are also removed from the log files under DATA_DIR (the
    development delivery logs), after the deletion commits (P6.1.3)."""
    root = settings.data_dir

    async def scrub_logs(needles: list[str]) -> int:
        pattern = scrub.pattern_of(needles)
        if pattern is None or not root.exists():
            return 0
        return await asyncio.to_thread(scrub_log_files, root, pattern, scrub.ERASED)

    scrub.register_file_scrubber("data_dir_logs", scrub_logs)


def sqlite_path(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite://"):
        return None
    path = database_url.removeprefix("sqlite://").split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.exists() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError as exc:
        log.warning("cannot restrict the mode of %s: %s", path, exc)


def private_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    _tighten(path, DIR_MODE)
    return path


def tighten_tree(root: Path) -> None:
    """What an older version left readable under `root` (0644 files, 0755 folders) becomes
    0600 / 0700; only modes that differ are changed."""
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            _tighten(Path(folder, name), DIR_MODE)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                _tighten(path, path.stat().st_mode & 0o700)


def prepare_data_dir(settings: Settings) -> None:
    """DATA_DIR and the SQLite files in it private before anything is written there."""
    restrict_umask()
    if not settings.database_url:
        private_dir(settings.data_dir)
    if settings.data_dir.exists():
        _tighten(settings.data_dir, DIR_MODE)
        tighten_tree(settings.data_dir)
    database = sqlite_path(settings.effective_database_url)
    if database is None:
        return
    if database.parent == settings.data_dir:
        private_dir(database.parent)
    # SQLite gives its -wal and -shm files the database file's mode, so that one decides.
    os.close(os.open(database, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for suffix in ("", "-wal", "-shm", "-journal"):
        _tighten(database.with_name(database.name + suffix), FILE_MODE)
