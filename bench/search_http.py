"""search_scale's HTTP pass: its reads through the spec's routes, on a server over the seeded storage.

A server is started on the storage bench/search_scale.py seeded (`uvicorn`: one uvicorn process; `make-run`:
what `make run` starts, nginx in front of granian workers), one keep-alive client times GET /artifact/byName,
GET /artifacts/{type}/{id} and the first, middle and last POST /artifacts pages (bench/latency.py's figures,
the client's CPU), and the server is stopped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.latency import timed
from bench.registry import CHEAP_HASHING, HubAt, admin_headers, free_port, server_env, start_server
from bench.servers import make_run_command
from bench.servers import server as running


def measure_http(
    url: str, made: list[tuple[str, str]], names: list[str], cursors: list[str | None], repeats: int
) -> dict[str, Any]:
    """The reads of search_scale's `measure` through the spec's routes on a registry server at `url`."""
    rng = random.Random(len(made) + 1)
    everything = [{"name": "*"}]
    with httpx.Client(base_url=url, timeout=60) as http:
        http.headers.update(admin_headers(http))

        def call(method: str, path: str, **options: Any) -> None:
            response = http.request(method, path, **options)
            if response.status_code != 200:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:200]}")

        def page(cursor: str | None) -> None:
            call("POST", "/artifacts", json=everything, params={} if cursor is None else {"offset": cursor})

        def read(item: tuple[str, str]) -> None:
            call("GET", f"/artifacts/{item[0]}/{item[1]}")

        for _ in range(5):  # warm the connection and the server's first-use paths
            page(None)
        operations: dict[str, Callable[[], None]] = {
            "http_by_name": lambda: call("GET", f"/artifact/byName/{rng.choice(names)}"),
            "http_read_by_id": lambda: read(rng.choice(made)),
            "http_page_first": lambda: page(cursors[0]),
            "http_page_middle": lambda: page(cursors[len(cursors) // 2]),
            "http_page_last": lambda: page(cursors[-1]),
        }
        figures = {}
        for label, operation in operations.items():
            # A session token serves 1,000 calls (the spec's limit): a fresh one per operation, untimed.
            http.headers.update(admin_headers(http))
            figures[label] = timed(operation, repeats)
        return figures


def http_figures(
    data_dir: Path,
    made: list[tuple[str, str]],
    figures: dict[str, Any],
    repeats: int,
    start_timeout: float = 90.0,
    server: str = "uvicorn",
) -> None:
    """Start a registry server (uvicorn or make-run) on the seeded storage, add the HTTP figures, stop it."""
    unused = HubAt("http://127.0.0.1:9", "http://127.0.0.1:9")  # nothing is registered over HTTP here
    # Seeded unrated: with rating on ingest, the server would resume rating every model in the background
    # (hours at 100,000) while its reads are timed.
    server_settings = CHEAP_HASHING | {"REGISTRY_MIRROR": "off", "REGISTRY_RATE_ON_INGEST": "false"}
    if server == "make-run":
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = server_env(unused, data_dir, server_settings)
        with running(make_run_command(port), env, url, start_timeout):  # nginx and granian, stopped as one
            figures |= measure_http(url, made, figures["_names"], figures["_cursors"], repeats)
        return
    proc, url = start_server(unused, data_dir, server_settings, start_timeout=start_timeout)
    try:
        figures |= measure_http(url, made, figures["_names"], figures["_cursors"], repeats)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
