"""The development channel: one JSON line per delivered event in `<directory>/<name>.log`
(e-mail, SMS, and the PMS feed when no PMS webhook is configured). A line is a delivery record,
not the message: personal values are masked (P6.1.2) and the file is 0600."""

from __future__ import annotations

import json
import os
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
