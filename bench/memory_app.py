"""The registry app with memory variants, for bench/download_memory.py: `granian ... bench.memory_app:app`.

$BENCH_MEMORY_VARIANT holds comma-separated variants, applied in the server's worker before the app loads:
  per-thread   the embedded store as it was before its connection pool: one SQLite connection per thread,
               writers meeting only in SQLite's busy handler (the old code path, for a same-run comparison)
  small-cache  a 64 KiB SQLite page cache per connection (SQLite's default is ~2 MiB)
  trim         glibc's malloc_trim(0) every 2 s in a daemon thread (returns free arena memory to the system)
  bare         no registry at all: every GET answers the file $BENCH_BARE_FILE by http.response.pathsend,
               the floor of granian's own memory under the same load
"""

from __future__ import annotations

import ctypes
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from package.core import storage as storage_module
from package.core.storage.sqlite import CACHE_KIB, SqliteRecordStore

VARIANTS = ("per-thread", "small-cache", "trim", "bare")
SMALL_CACHE_KIB = 64
TRIM_SECONDS = 2.0

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class PerThreadRecordStore(SqliteRecordStore):
    """The store before its pool: a connection per thread, left to the garbage collector when it ends."""

    def __init__(self, path: Path, **options: int) -> None:
        self._local = threading.local()
        super().__init__(path, **options)

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        yield  # writers met only in SQLite's busy handler

    @contextmanager
    def _borrow(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open_connection()
        yield conn


def chosen() -> set[str]:
    """The variants in $BENCH_MEMORY_VARIANT; an unknown one is refused (a typo is not the default)."""
    names = {name.strip() for name in os.environ.get("BENCH_MEMORY_VARIANT", "").split(",") if name.strip()}
    unknown = names - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown memory variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")
    return names


def trim_forever(libc: ctypes.CDLL) -> None:
    """Hand free malloc memory back to the system every TRIM_SECONDS."""
    while True:
        time.sleep(TRIM_SECONDS)
        libc.malloc_trim(0)


def bare_app(path: Path) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that answers every GET with the file at `path` (pathsend) and nothing else."""
    length = str(path.stat().st_size).encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = [(b"content-type", b"application/octet-stream"), (b"content-length", length)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": str(path)})

    return app


def load(variants: set[str]) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The app with `variants` applied."""
    if "trim" in variants:
        libc = ctypes.CDLL("libc.so.6")
        threading.Thread(target=trim_forever, args=(libc,), name="bench-malloc-trim", daemon=True).start()
    if "bare" in variants:
        return bare_app(Path(os.environ["BENCH_BARE_FILE"]))
    base = PerThreadRecordStore if "per-thread" in variants else SqliteRecordStore
    cache_kib = SMALL_CACHE_KIB if "small-cache" in variants else CACHE_KIB
    # open_storage() builds the store by this name when the worker first needs it.
    setattr(storage_module, "SqliteRecordStore", functools.partial(base, cache_kib=cache_kib))  # noqa: B010
    from main import app as registry

    return registry


app = load(chosen())
