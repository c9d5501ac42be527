"""The registry app with tracemalloc on, for bench/download_memory.py: `granian ... bench.traced_app:app`.

Loaded by the server's worker process, it starts tracing there and, on SIGUSR1, dumps a snapshot to
$BENCH_TRACEMALLOC_DIR/snapshot-<n>.pickle (n counts from 1), so the benchmark can compare rounds.
"""

from __future__ import annotations

import os
import signal
import tracemalloc
from pathlib import Path
from types import FrameType

tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "1")))

from main import app  # noqa: E402  (traced from the start: the app's own imports are counted too)

_dumped = 0


def _dump(_signum: int, _frame: FrameType | None) -> None:
    global _dumped
    _dumped += 1
    folder = Path(os.environ["BENCH_TRACEMALLOC_DIR"])
    partial = folder / f".snapshot-{_dumped}.pickle"
    tracemalloc.take_snapshot().dump(str(partial))
    partial.rename(folder / f"snapshot-{_dumped}.pickle")  # the benchmark waits for the complete file


signal.signal(signal.SIGUSR1, _dump)

__all__ = ["app"]
