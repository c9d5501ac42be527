"""Cheap dependencies answered on the event loop instead of a trip to the thread pool.

FastAPI runs every plain-function dependency in the thread pool: a hand-off to a worker thread and a wake-up
of the event loop for each, per request. The registry's settings, storage and upstream getters return an
object built once per process, so that trip costs far more than the call (bench/search_scale.py's HTTP
pass: a byName request took ~6.5 ms over HTTP where the service took 0.06 ms). `on_loop(getter)` is the same
getter as an async dependency. The same getter always gets the same wrapper: a test overrides
`on_loop(getter)`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_wrappers: dict[Callable[[], Any], Callable[[], Coroutine[Any, Any, Any]]] = {}
_lock = threading.Lock()


def on_loop(getter: Callable[[], T]) -> Callable[[], Coroutine[Any, Any, T]]:
    """An async dependency answering `getter()` (which must not block: a cached, once-built object)."""
    with _lock:
        found = _wrappers.get(getter)
        if found is not None:
            return found

        async def answer() -> T:
            return getter()

        # Named after the getter, but no `__wrapped__`: FastAPI unwraps it to decide sync or async.
        answer.__name__ = answer.__qualname__ = getattr(getter, "__name__", "getter")
        answer.__doc__ = getter.__doc__
        _wrappers[getter] = answer
        return answer
