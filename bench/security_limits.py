"""What the red-team findings cost now: an 84 MB anonymous body, odd methods, public health reports.

Starts the fake hub and one registry server (uvicorn, embedded storage in a temp folder), then prints:
- the answer to an 84 MB anonymous JSON body (declared length) and to a chunked one, with the server's memory;
- the size of /metrics after 500 requests with made-up method names;
- the time per anonymous /health/components next to /health (the baseline), and per admin report.

    python -m bench.security_limits [--smoke]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench import results
from bench.registry import admin_token, rss_mib
from bench.soak import _start
from tests.fakehub import FakeHub

QUERY = b'{"name": "*"},'


def _per_call_ms(client: httpx.Client, path: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        client.get(path)
    return (time.perf_counter() - started) * 1000 / calls


def _bodies(url: str, pid: int, scale: int) -> dict[str, Any]:
    """An anonymous body of `scale` x 14 bytes, declared then chunked; the answers and the server's memory."""
    body = b"[" + QUERY * scale + b'{"name": "*"}]'
    before = rss_mib(pid)
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/artifacts", content=body, headers={"Content-Type": "application/json"}, timeout=60
    )
    seconds = time.perf_counter() - started
    after = rss_mib(pid)
    print(
        f"{len(body) / 1e6:.0f} MB anonymous body: {response.status_code} after {seconds:.2f} s "
        f"(upload included); server RSS {before:.0f} -> {after:.0f} MiB"
    )
    figures: dict[str, Any] = {
        "body_mb": len(body) / 1e6,
        "declared": {"status": response.status_code, "seconds": seconds},
        "rss_before_mib": before,
        "rss_after_declared_mib": after,
    }

    def chunks() -> Iterator[bytes]:
        for _ in range(scale // 1000):
            yield QUERY * 1000

    started = time.perf_counter()
    try:
        chunked = httpx.post(f"{url}/artifacts", content=chunks(), timeout=60)
        outcome = str(chunked.status_code)
    except httpx.HTTPError as exc:  # the server may close the connection after answering
        outcome = f"connection closed ({type(exc).__name__})"
    seconds = time.perf_counter() - started
    print(
        f"chunked {len(body) / 1e6:.0f} MB body: {outcome} after {seconds:.2f} s; RSS {rss_mib(pid):.0f} MiB"
    )
    figures |= {"chunked": {"outcome": outcome, "seconds": seconds}, "rss_after_chunked_mib": rss_mib(pid)}
    return figures


def main() -> None:
    """Run the measurements, print them and write bench/results/security_limits.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a 4 MB body, 50 methods, 10 calls per figure")
    args = parser.parse_args()
    scale, methods, calls = (300_000, 50, 10) if args.smoke else (6_000_000, 500, 100)
    with FakeHub() as hub, tempfile.TemporaryDirectory() as folder:
        proc, url = _start(hub, Path(folder))
        try:
            figures = _bodies(url, proc.pid, scale)
            with httpx.Client(base_url=url) as client:
                for i in range(methods):
                    client.request(f"X{i}", "/health")
                metrics_bytes = len(client.get("/metrics").content)
                print(f"/metrics after {methods} made-up methods: {metrics_bytes:,} bytes")
                _per_call_ms(client, "/health", 20)  # warm up
                baseline = _per_call_ms(client, "/health", calls)
                public = _per_call_ms(client, "/health/components", calls)
                client.headers["X-Authorization"] = admin_token(client)
                admin = _per_call_ms(client, "/health/components", max(1, calls // 5))
            print(
                f"per call: /health {baseline:.1f} ms (baseline), anonymous /health/components "
                f"{public:.1f} ms, admin /health/components {admin:.1f} ms (computed fresh)"
            )
        finally:
            proc.terminate()
            proc.wait(10)
    figures |= {
        "made_up_methods": methods,
        "metrics_bytes": metrics_bytes,
        "health_ms": baseline,
        "health_components_anonymous_ms": public,
        "health_components_admin_ms": admin,
    }
    results.write("security_limits", figures, options={"smoke": args.smoke})


if __name__ == "__main__":
    main()
