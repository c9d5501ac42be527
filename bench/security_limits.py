"""What the red-team findings cost now: an 84 MB anonymous body, odd methods, public health reports.

Starts the fake hub and one registry server (uvicorn, embedded storage in a temp folder), then prints:
- the answer to an 84 MB anonymous JSON body (declared length) and to a chunked one, with the server's memory;
- the size of /metrics after 500 requests with made-up method names;
- the time per anonymous /health/components next to /health (the baseline), and per admin report.

    python -m bench.security_limits
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.soak import ADMIN, _rss_mib, _start
from tests.fakehub import FakeHub

QUERY = b'{"name": "*"},'


def _per_call_ms(client: httpx.Client, path: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        client.get(path)
    return (time.perf_counter() - started) * 1000 / calls


def _bodies(url: str, pid: int) -> None:
    body = b"[" + QUERY * 6_000_000 + b'{"name": "*"}]'
    before = _rss_mib(pid)
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/artifacts", content=body, headers={"Content-Type": "application/json"}, timeout=60
    )
    seconds = time.perf_counter() - started
    print(
        f"{len(body) / 1e6:.0f} MB anonymous body: {response.status_code} after {seconds:.2f} s "
        f"(upload included); server RSS {before:.0f} -> {_rss_mib(pid):.0f} MiB"
    )

    def chunks() -> Iterator[bytes]:
        for _ in range(6000):
            yield QUERY * 1000

    started = time.perf_counter()
    try:
        chunked = httpx.post(f"{url}/artifacts", content=chunks(), timeout=60)
        outcome = str(chunked.status_code)
    except httpx.HTTPError as exc:  # the server may close the connection after answering
        outcome = f"connection closed ({type(exc).__name__})"
    seconds = time.perf_counter() - started
    print(f"chunked 84 MB body: {outcome} after {seconds:.2f} s; RSS {_rss_mib(pid):.0f} MiB")


def main() -> None:
    """Run the measurements and print them."""
    with FakeHub() as hub, tempfile.TemporaryDirectory() as folder:
        proc, url = _start(hub, Path(folder))
        try:
            _bodies(url, proc.pid)
            with httpx.Client(base_url=url) as client:
                for i in range(500):
                    client.request(f"X{i}", "/health")
                print(f"/metrics after 500 made-up methods: {len(client.get('/metrics').content):,} bytes")
                _per_call_ms(client, "/health", 20)  # warm up
                baseline = _per_call_ms(client, "/health", 100)
                public = _per_call_ms(client, "/health/components", 100)
                client.headers["X-Authorization"] = client.put("/authenticate", json=ADMIN).json()
                admin = _per_call_ms(client, "/health/components", 20)
            print(
                f"per call: /health {baseline:.1f} ms (baseline), anonymous /health/components "
                f"{public:.1f} ms, admin /health/components {admin:.1f} ms (computed fresh)"
            )
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
