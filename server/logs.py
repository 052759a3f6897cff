"""JSON structured logs: one object per line, with the request id when there is one."""

from __future__ import annotations

import json
import logging
import sys

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Casbin logs its whole model and policy at INFO each time the enforcer is rebuilt.
    logging.getLogger("casbin").setLevel(logging.WARNING)
    # Tortoise announces every connection close at INFO; start-up closes the migration
    # connection on purpose, so the notice only misleads a reader of the start-up log.
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    # The SQLite driver logs every statement with its values at DEBUG: personal data and the
    # anonymous survey's answers (P8.1) must not reach the log even when the level is lowered.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
