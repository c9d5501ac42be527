"""A download benchmark's clients in a child process (download_client.py says why), and reading it back."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from package.routers.health.download_figures import Sample

_ROOT = Path(__file__).resolve().parents[3]  # the folder holding `package`, so `python -m` finds it
_KILL_GRACE_SECONDS = 30.0
_EXIT_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class ClientsResult:
    """What the clients reported: every finished download, the wall time, and why they stopped early."""

    samples: list[Sample]
    wall_seconds: float
    stop_reason: str | None
    first_error: str | None


def _ask_to_stop(stdin: IO[str]) -> None:
    with contextlib.suppress(OSError, ValueError):  # the child is gone already: nothing to stop
        stdin.write("stop\n")
        stdin.flush()


def _read(stdout: IO[str], stdin: IO[str], on_progress: Callable[[int], bool]) -> dict[str, Any] | None:
    """Follow the child's lines to its result; tell it to stop when `on_progress` says so."""
    stopping = False
    for line in stdout:
        try:
            message = json.loads(line)
        except ValueError:
            continue  # not ours (a library printing): the protocol's lines are JSON objects
        if not isinstance(message, dict):
            continue
        if "samples" in message:
            return message
        if not stopping and not on_progress(int(message.get("done", 0))):
            stopping = True
            _ask_to_stop(stdin)
    return None


def run_clients_in_child(
    order: dict[str, Any], *, timeout_seconds: float, on_progress: Callable[[int], bool]
) -> ClientsResult:
    """Start the child with `order`, relay its progress, and return its samples (RuntimeError if it died).

    The child stops itself at the order's timeout; it is killed if it overstays that by half a minute.
    """
    command = [sys.executable, "-m", "package.routers.health.download_client"]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT)
    assert child.stdin is not None and child.stdout is not None  # both are pipes
    killer = threading.Timer(timeout_seconds + _KILL_GRACE_SECONDS, child.kill)
    killer.daemon = True
    killer.start()
    try:
        child.stdin.write(json.dumps(order) + "\n")
        child.stdin.flush()
        result = _read(child.stdout, child.stdin, on_progress)
    finally:
        killer.cancel()
        with contextlib.suppress(OSError):
            child.stdin.close()
        try:
            child.wait(timeout=_EXIT_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stdout.close()
    if result is None:
        raise RuntimeError(f"the benchmark's clients exited ({child.returncode}) without their figures")
    return ClientsResult(
        samples=[Sample(float(s), int(b), bool(ok)) for s, b, ok in result["samples"]],
        wall_seconds=float(result["wall"]),
        stop_reason=result.get("stop_reason"),
        first_error=result.get("first_error"),
    )
