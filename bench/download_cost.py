"""What one download request costs in Python, without its bytes: CPU per request and where it goes.

A fake hub holds the 20 MiB `acme/tiny-weights-20mb`; a registry server registers it and mirrors the
bundle into a temporary embedded storage (as bench/download_throughput.py does). Then, in this process, the
registry's ASGI app (main:app, REGISTRY_ACCEL_REDIRECT_PREFIX set: a download answers headers only, as
behind nginx) is called directly, no server nor socket in between, `--requests` times: CPU seconds per
request (time.process_time, every thread) and wall time. Then the same requests under cProfile (threadpool
hops run inline so the profiler sees the endpoint): the functions with the most own time, and the share of
own time by where the code lives (FastAPI/Starlette routing and dependencies, JWT, SQLite, the registry's
own modules, ...).

    python -m bench.download_cost [--requests 2000] [--top 25] [--smoke]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from bench import results
from bench.download_throughput import BIG, seed
from bench.registry import free_port
from bench.servers import login, registry_env, server, server_command
from tests.fakehub import FakeHub

Message = MutableMapping[str, Any]
App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]
# Where own time goes: the first group whose key is in a function's file name takes it (order matters).
GROUPS = {
    "fastapi and starlette (routing, dependencies, middleware)": ("/fastapi/", "/starlette/"),
    "pydantic": ("/pydantic",),
    "jwt (python-jose, cryptography)": ("/jose/", "/cryptography/"),
    "sqlite (storage reads and writes)": ("sqlite3", "core/storage/"),
    "request log, metrics, activity": ("request_log.py", "prometheus_client", "health/"),
    "write-behind bookkeeping": ("write_behind.py",),
    "registry: auth and tokens": ("core/access_tokens.py", "core/tokens.py", "routers/auth/"),
    "registry: artifacts (lookup, plan, response)": ("routers/artifacts/",),
    "registry: other": ("/package/",),
    "asyncio, threads, standard library": ("/lib/python3", "<"),
}


def scope_of(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """An HTTP/1.1 GET scope as a server would build it."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000"), *raw],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
        "extensions": {"http.response.pathsend": {}},
    }


async def call(app: App, scope: dict[str, Any]) -> int:
    """One request through the app; its status (the body, if any, is dropped)."""
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(dict(scope), receive, send)
    return status


async def many(app: App, scope: dict[str, Any], count: int) -> None:
    """`count` requests one after another; every one must answer 200."""
    for _ in range(count):
        status = await call(app, scope)
        if status != 200:
            raise RuntimeError(f"a download answered {status}")


def inline_threadpool() -> None:
    """Run sync endpoints and dependencies inline (for the profiler, which sees only its own thread)."""
    import fastapi.dependencies.utils as dep_utils
    import fastapi.routing as routing

    import package.routers.artifacts.download_route as download_route

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    routing.run_in_threadpool = inline  # type: ignore[attr-defined]
    dep_utils.run_in_threadpool = inline  # type: ignore[attr-defined]
    download_route.run_in_threadpool = inline  # type: ignore[attr-defined]  # the download routes' handler


def stage_shares(stats: pstats.Stats, total: float) -> dict[str, float]:
    """Share of the profiled own time spent in each group of code (GROUPS), largest first."""
    own = dict.fromkeys([*GROUPS, "other"], 0.0)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _cumulative, _callers) in raw.items():
        where = f"{filename}:{name}"
        group = next((g for g, keys in GROUPS.items() if any(key in where for key in keys)), "other")
        own[group] += tottime
    ordered = sorted(own.items(), key=lambda item: -item[1])
    return {group: round(seconds / total, 3) for group, seconds in ordered if total and seconds}


def measure(app: App, scope: dict[str, Any], requests: int, top: int, order: str) -> dict[str, Any]:
    """CPU and wall time per request, then a profile of the same requests."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(many(app, scope, min(50, requests)))  # warm caches and imports
        cpu, wall = time.process_time(), time.perf_counter()
        loop.run_until_complete(many(app, scope, requests))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        inline_threadpool()
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(many(app, scope, requests))
        profiler.disable()
    finally:
        loop.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total: float = stats.total_tt  # type: ignore[attr-defined]
    stats.sort_stats(order).print_stats(top)
    print(out.getvalue())
    return {
        "requests": requests,
        "cpu_us_per_request": round(cpu / requests * 1e6, 1),
        "wall_us_per_request": round(wall / requests * 1e6, 1),
        "profiled_us_per_request": round(total / requests * 1e6, 1),
        "stage_shares": stage_shares(stats, total),
    }


def main(argv: list[str] | None = None) -> None:
    """Seed one mirrored bundle, then time and profile the download request in this process."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--sort", choices=("tottime", "cumulative"), default="tottime", help="list order")
    parser.add_argument("--smoke", action="store_true")
    options = parser.parse_args(argv)
    if options.smoke:
        options.requests, options.top = 20, 5
    hub = FakeHub()
    hub.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-download-cost-") as tmp:
            env = registry_env(hub, Path(tmp) / "data")
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            with server(server_command("uvicorn", port, 1), env, url):
                big, _sha, _seconds = seed(url, [])
                headers = login(url)
            os.environ.update(env | {"REGISTRY_ACCEL_REDIRECT_PREFIX": "/_blobs"})
            from main import app
            from package.core.write_behind import close_write_behind

            figures = measure(
                app, scope_of(f"/download/model/{big}", headers), options.requests, options.top, options.sort
            )
            close_write_behind()
    finally:
        hub.stop()
    print(
        f"{BIG}: {figures['cpu_us_per_request']} us CPU, {figures['wall_us_per_request']} us wall per "
        f"download request (headers only); profiled {figures['profiled_us_per_request']} us"
    )
    print(f"own time by stage: {figures['stage_shares']}")
    results.write("download_cost", figures, options=vars(options))


if __name__ == "__main__":
    main()
