"""The development channel: one JSON line per delivered event in `<directory>/<name>.log`
(e-mail, SMS, and the PMS feed when no PMS webhook is configured). A line is a delivery record,
not the message: personal values are masked (P6.1.2) and the file is 0600."""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from pathlib import Path

from domain import outbox_privacy
from domain.clock import clock
from domain.models import OutboxEvent
from domain.outbox import DeliveryError, envelope


class FileChannelAdapter:
    def __init__(self, directory: str | Path, name: str) -> None:
        self.path = Path(directory) / f"{name}.log"

    async def send(self, event: OutboxEvent) -> None:
        record = envelope(event)
        record["data"] = outbox_privacy.delivery_record(event.destination, event.payload)
        line = json.dumps(
            {"delivered_at": clock.now().isoformat(), "destination": event.destination, **record},
            ensure_ascii=False,
            sort_keys=True,
        )
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc}") from exc


def scrub_log_files(root: str | Path, pattern: re.Pattern[str], replacement: str) -> int:
    """Rewrite every `*.log` file under `root` with each match of `pattern` replaced (an
    erased guest's identifiers, P6.1.3); returns the number of files changed. Each file is
    replaced atomically by a 0600 copy."""
    changed = 0
    for path in sorted(Path(root).rglob("*.log")):
        if not path.is_file() or path.is_symlink():
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if not pattern.search(text):
            continue
        cleaned = pattern.sub(replacement, text)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".scrub-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(cleaned)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        changed += 1
    return changed
