"""The smallest ASGI app behind `make run`'s nginx: every GET answers X-Accel-Redirect to one stored blob.

`python -m bench.download_throughput --configs nginx make-run make-run-bare ...` runs it through serve.py
exactly as `make run` runs the registry (nginx in front, granian's workers behind, the internal `/_blobs/`
location), so the figure is the ceiling of this architecture on this machine: nginx's proxy hop, granian's
request handling and nginx sending the file, with no routing, authentication, storage or bookkeeping.
BENCH_BARE_BLOB names the blob's path under the blob folder; `/health/ready` answers 200 (serve.py waits).
"""

from __future__ import annotations

import os

from bench.bare_pathsend import Receive, Scope, Send, lifespan


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """`/health/ready` answers 200; every other GET hands the blob to nginx."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    if scope["path"] == "/health/ready":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
        return
    prefix = os.environ.get("REGISTRY_ACCEL_REDIRECT_PREFIX", "/_blobs").rstrip("/")
    target = f"{prefix}/{os.environ['BENCH_BARE_BLOB']}".encode()
    headers = [(b"content-type", b"application/zip"), (b"x-accel-redirect", target)]
    headers.append((b"content-length", b"0"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
