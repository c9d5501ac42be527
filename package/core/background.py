"""One way to hold a process-wide background worker (a thread pool, a job queue).

Made on first use; closed and forgotten on reset, so tests start from a fresh one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ProcessWide(Generic[T]):
    """A lazily created process-wide object; `reset()` closes it and the next `get()` makes a new one."""

    def __init__(self, create: Callable[[], T], close: Callable[[T], None]) -> None:
        self._create = create
        self._close = close
        self._value: T | None = None
        self._guard = threading.Lock()

    def get(self) -> T:
        """The object, created on first use."""
        with self._guard:
            if self._value is None:
                self._value = self._create()
            return self._value

    def exists(self) -> bool:
        """Whether the object was created (and not reset since)."""
        with self._guard:
            return self._value is not None

    def reset(self) -> None:
        """Close the object, if any, and forget it; the next `get()` creates a new one."""
        with self._guard:
            value, self._value = self._value, None
        if value is not None:
            self._close(value)


def in_lambda() -> bool:
    """Whether this process is a Lambda execution environment: frozen between invocations and maybe never
    shut down cleanly, so background threads neither run on their own nor finish."""
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
