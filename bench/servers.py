"""The registry server processes the download benchmarks start, and the environment and login they share.

The command of each configuration (`make run`'s, read from the Makefile; one uvicorn; granian workers;
granian serving bench/bare_pathsend.py alone), one context manager that starts a command in a process group
of its own, waits until it answers and stops the whole group, and the admin's token header from a running
server. Used by bench/download_throughput.py, bench/download_cost.py, bench/download_memory.py and
bench/search_http.py.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from bench import registry
from bench.registry import wait_up
from tests.fakehub import FakeHub

ROOT = Path(__file__).resolve().parents[1]


def registry_env(hub: FakeHub, data: Path) -> dict[str, str]:
    """The environment of every registry process of this run (one shared embedded storage)."""
    settings = {
        "HF_HOME": str(data.parent / "hf"),
        # Every config downloads many times with one session token (the spec's cap is 1,000 calls).
        "REGISTRY_TOKEN_MAX_USES": "100000000",
        # ... from one client address: the limiter still runs (its cost is the request's), never refusing.
        "REGISTRY_RATE_LIMIT_PER_MINUTE": "100000000",
    }
    return registry.server_env(hub, data, registry.CHEAP_HASHING | settings)


def make_run_command(port: int) -> list[str]:
    """The command `make run` runs (read from the Makefile with `make -n`), on `port`."""
    out = subprocess.run(
        ["make", "-s", "-n", "-o", ".venv/.installed", "run", f"PORT={port}", "HOST=127.0.0.1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = shlex.split(out.strip().splitlines()[-1])
    return ["env", *words] if "=" in words[0] else words  # `NAME=value command ...`: env sets it, then execs


def server_command(config: str, port: int, workers: int) -> list[str]:
    """The registry server of one configuration."""
    if config == "make-run":
        return make_run_command(port)
    base = ["--host", "127.0.0.1", "--port", str(port)]
    if config == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "main:app",
            *base,
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    granian = [sys.executable, "-m", "granian", "--interface", "asgi", "main:app", *base]
    return [
        *granian,
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--respawn-failed-workers",
    ]


def bare_command(port: int, workers: int) -> list[str]:
    """granian with `workers` processes serving only bench/bare_pathsend.py (one file by pathsend)."""
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "bench.bare_pathsend:app"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
        *("--no-access-log", "--log-level", "warning"),
    ]


@contextmanager
def server(
    command: list[str], env: dict[str, str], url: str, start_timeout: float = 90.0
) -> Iterator[subprocess.Popen[bytes]]:
    """A registry server process (and its workers), answering within `start_timeout` seconds, stopped at the
    end (SIGTERM: a clean shutdown).

    Its log goes to BENCH_SERVER_LOGS/<port>.log when that folder is set (to explain errors), else nowhere.
    """
    folder = os.environ.get("BENCH_SERVER_LOGS")
    with ExitStack() as files:
        name = url.rsplit(":", 1)[-1] + ".log"
        log = files.enter_context(Path(folder, name).open("ab")) if folder else None
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log or subprocess.DEVNULL,
            start_new_session=True,  # its workers in one process group: stop_group leaves none behind
        )
        try:
            wait_up(url, proc, start_timeout)
            yield proc
        finally:
            registry.stop_group(proc)


def login(url: str) -> dict[str, str]:
    """The default admin's token header."""
    with httpx.Client(base_url=url, timeout=60) as http:
        return registry.admin_headers(http)
