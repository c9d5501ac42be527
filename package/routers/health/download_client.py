"""The clients of a download benchmark: concurrent bundle downloads on one asyncio loop, each one a `Sample`.

They run in a child process (`python -m package.routers.health.download_client`), not in the server's: in the
server's process they would take the server's GIL, and a loopback run would measure the server slowed by its
own clients (100 downloads of 20 MiB on the shared 2-core machine: 82 MB/s with the clients in the server's
process, 123 MB/s in a child, 91-113 MB/s from a separate client). One event loop rather than a thread per
client keeps the clients' own CPU small.

The child reads its order as one JSON line on stdin (so the token never shows in a process list), writes a
progress line `{"done", "received"}` about twice a second and a last line with every sample; `stop` on stdin
(or stdin closing) halts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from package.routers.health.download_figures import Sample

TOKEN_HEADER = "X-Authorization"  # core.auth_middleware's; not imported, so the child starts fast

_CHUNK = 1 << 20
_REDIRECTS = {301, 302, 303, 307, 308}
_READ_TIMEOUT = 60.0


@dataclass
class Tally:
    """What the clients have done so far (read by the job's progress writer from another coroutine)."""

    byte_cap: int
    expected_bytes: int = 0
    """The bundle's exact size when the registry knows it: a download of another size is an error."""
    samples: list[Sample] = field(default_factory=list)
    received: int = 0
    first_error: str | None = None
    stop_reason: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def fail(self, why: str) -> None:
        """Remember the first reason a download failed."""
        if self.first_error is None:
            self.first_error = why

    def halt(self, why: str) -> None:
        """Stop every client before its next download (the first reason wins)."""
        if self.stop_reason is None:
            self.stop_reason = why
        self.stop.set()


async def _fetch(http: httpx.AsyncClient, url: str, token: str, tally: Tally) -> Sample:
    """One download; a redirect (a presigned object-store URL) is followed once WITHOUT the token."""
    started = time.perf_counter()
    got, ok = 0, False
    headers = {TOKEN_HEADER: token}
    try:
        for _ in range(2):
            async with http.stream("GET", url, headers=headers) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location and headers:
                    url, headers = str(response.url.join(location)), {}
                    continue
                async for chunk in response.aiter_raw(_CHUNK):
                    got += len(chunk)
                    tally.received += len(chunk)
                    if tally.received > tally.byte_cap:
                        tally.halt("stopped at REGISTRY_HEALTH_BENCHMARK_MAX_BYTES")
                        break
                ok = response.status_code == 200
                if not ok:
                    tally.fail(f"HTTP {response.status_code}")
                elif tally.expected_bytes and got != tally.expected_bytes:
                    ok = False
                    tally.fail(f"received {got} bytes of {tally.expected_bytes}")
                break
    except httpx.HTTPError as exc:
        tally.fail(f"{type(exc).__name__}: {exc}"[:200])
    return Sample(time.perf_counter() - started, got, ok)


async def _client(http: httpx.AsyncClient, url: str, token: str, count: int, tally: Tally) -> None:
    for _ in range(count):
        if tally.stop.is_set():
            return
        tally.samples.append(await _fetch(http, url, token, tally))


async def run_clients(
    url: str,
    token: str,
    *,
    clients: int,
    downloads_per_client: int,
    tally: Tally,
    deadline: float,
    on_progress: Callable[[], bool],
    transport: httpx.AsyncBaseTransport | None = None,
) -> float:
    """Run every client until done, `deadline` (monotonic) or a halt; returns the wall seconds taken.

    `on_progress` is called about twice a second; returning False halts the run (e.g. a reset removed it).
    `transport`: another way to the server than the network (tests).
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(_READ_TIMEOUT, connect=10.0)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        limits=limits, timeout=timeout, follow_redirects=False, transport=transport
    ) as http:
        tasks = [
            asyncio.ensure_future(_client(http, url, token, downloads_per_client, tally))
            for _ in range(clients)
        ]
        everything = asyncio.gather(*tasks)
        while not everything.done():
            if time.monotonic() >= deadline:
                tally.halt("stopped at REGISTRY_HEALTH_BENCHMARK_TIMEOUT_SECONDS")
            elif not on_progress():
                tally.halt("stopped: the run was removed (registry reset) or the server is shutting down")
            if tally.stop.is_set():
                everything.cancel()
                break
            await asyncio.wait([everything], timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError):  # halted: downloads cut short are not samples
            await everything
    return time.perf_counter() - started


def _watch_stdin(stream: TextIO, tally: Tally) -> None:
    """Halt when the parent says `stop` or goes away (its end of the pipe closes)."""
    for line in stream:
        if line.strip() == "stop":
            break
    tally.halt("stopped: the run was removed (registry reset) or the server is shutting down")


def child_main(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Run one benchmark's clients as ordered on stdin; report progress and samples on stdout."""
    order: dict[str, Any] = json.loads(stdin.readline())
    tally = Tally(byte_cap=int(order["byte_cap"]), expected_bytes=int(order["expected_bytes"]))
    threading.Thread(target=_watch_stdin, args=(stdin, tally), daemon=True).start()

    def progress() -> bool:
        stdout.write(json.dumps({"done": len(tally.samples), "received": tally.received}) + "\n")
        stdout.flush()
        return True

    wall = asyncio.run(
        run_clients(
            str(order["url"]),
            str(order["token"]),
            clients=int(order["clients"]),
            downloads_per_client=int(order["downloads_per_client"]),
            tally=tally,
            deadline=time.monotonic() + float(order["timeout_seconds"]),
            on_progress=progress,
        )
    )
    result = {
        "samples": [list(sample) for sample in tally.samples],
        "wall": wall,
        "stop_reason": tally.stop_reason,
        "first_error": tally.first_error,
    }
    stdout.write(json.dumps(result) + "\n")
    stdout.flush()


if __name__ == "__main__":
    child_main()
