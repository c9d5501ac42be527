"""Structured JSON logs: one object per line on stderr."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"color_message"}  # uvicorn's ANSI copy of the message
# Where uvicorn finds the logging set-up that sends its own lines through JsonFormatter (`--log-config`); the
# access log is off (`--no-access-log`): the registry writes one JSON line per request (core/request_log.py).
UVICORN_LOG_CONFIG = "package/core/uvicorn-logging.json"


class JsonFormatter(logging.Formatter):
    """Render a log record (and its `extra=` fields) as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Send the registry's logs to stderr as JSON lines (idempotent)."""
    root = logging.getLogger("registry")
    root.setLevel(level.upper())
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.propagate = False
