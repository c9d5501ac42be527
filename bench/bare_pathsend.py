"""The smallest ASGI app sending one file by `http.response.pathsend`: the server's byte path, no registry.

`python -m bench.download_throughput --configs nginx granian-bare ...` runs it under granian with the
registry's worker count, so the figure is the ceiling of any granian-served download on this machine: what
granian itself does with a path (it reads the file and writes it through its own buffers), without routing,
authentication, storage or bookkeeping. BENCH_BARE_FILE names the file (the stored bundle).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge the server's start-up and shut-down."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Every GET answers the file named by BENCH_BARE_FILE (lifespan events acknowledged)."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path = os.environ["BENCH_BARE_FILE"]
    size = os.stat(path).st_size
    headers = [(b"content-type", b"application/zip"), (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.pathsend", "path": path})
