"""Recent log lines of this process, kept in memory so health reports can link to them (GET /health/logs)."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from package.core.logging import JsonFormatter
from package.core.request_log import RequestIdFilter

Matcher = Callable[[logging.LogRecord], bool]


def _request_line(domain: str | None = None) -> Matcher:
    def matches(record: logging.LogRecord) -> bool:
        return record.name == "registry.request" and (
            domain is None or getattr(record, "domain", None) == domain
        )

    return matches


def _loggers(*prefixes: str, upstream: str | None = None, storage: bool = False) -> Matcher:
    def matches(record: logging.LogRecord) -> bool:
        if record.name.startswith(prefixes):
            return True
        if upstream is not None and getattr(record, "upstream", None) == upstream:
            return True
        return storage and record.name == "registry.errors" and "storage" in record.getMessage()

    return matches


def component_matcher(component: str) -> Matcher | None:
    """Which log records concern a component (None for an unknown component id)."""
    if component == "registry":
        return lambda record: True
    if component == "api":
        return _request_line()
    if component.startswith("domain-"):
        domain = component.removeprefix("domain-")
        line = _request_line(domain)
        own = _loggers(f"registry.{domain}")
        return lambda record: line(record) or own(record)
    fixed: dict[str, Matcher] = {
        "storage-records": _loggers("registry.storage", "registry.health.activity", storage=True),
        "storage-blobs": _loggers("registry.storage", "registry.download", storage=True),
        "upstream-huggingface": _loggers("registry.upstream.hf", upstream="huggingface"),
        "upstream-github": _loggers("registry.upstream.github", upstream="github"),
        "rating-pipeline": _loggers("registry.rating"),
    }
    return fixed.get(component)


class RecentLogBuffer(logging.Handler):
    """A logging handler keeping the last `capacity` records of the `registry` loggers."""

    def __init__(self, capacity: int) -> None:
        super().__init__(level=logging.NOTSET)
        self.setFormatter(JsonFormatter())
        self.addFilter(RequestIdFilter())
        self._records: deque[logging.LogRecord] = deque(maxlen=max(capacity, 1))
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record; it is formatted only when read."""
        with self._records_lock:
            self._records.append(record)

    def _matching(self, component: str) -> list[logging.LogRecord]:
        matcher = component_matcher(component)
        if matcher is None:
            return []
        with self._records_lock:
            records = list(self._records)
        return [r for r in records if matcher(r)]

    def lines(self, component: str, limit: int) -> list[str]:
        """The newest `limit` lines concerning the component, oldest first, as JSON."""
        return [self.format(r) for r in self._matching(component)[-limit:]]

    def last_at(self, component: str) -> float | None:
        """When the newest line concerning the component was written."""
        matching = self._matching(component)
        return matching[-1].created if matching else None


_buffer: RecentLogBuffer | None = None
_buffer_lock = threading.Lock()


def recent_logs(capacity: int) -> RecentLogBuffer:
    """This process's buffer, attached to the `registry` logger on first use."""
    global _buffer
    with _buffer_lock:
        if _buffer is None:
            _buffer = RecentLogBuffer(capacity)
            logging.getLogger("registry").addHandler(_buffer)
        return _buffer
