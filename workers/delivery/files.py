"""The development channel: one JSON line per delivered event in `<directory>/<name>.log`
(e-mail, SMS, and the PMS feed when no PMS webhook is configured)."""

from __future__ import annotations

import json
from pathlib import Path

from domain.clock import clock
from domain.models import OutboxEvent
from domain.outbox import DeliveryError, envelope


class FileChannelAdapter:
    def __init__(self, directory: str | Path, name: str) -> None:
        self.path = Path(directory) / f"{name}.log"

    async def send(self, event: OutboxEvent) -> None:
        line = json.dumps(
            {
                "delivered_at": clock.now().isoformat(),
                "destination": event.destination,
                **envelope(event),
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc}") from exc
