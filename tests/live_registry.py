"""A registry served over real HTTP on loopback (uvicorn in a background thread), for real clients.

`huggingface_hub` and the `registry` CLI talk HTTP, so they cannot use the in-process TestClient; this serves
`create_app()` on a free port of 127.0.0.1 with the environment the `registry_env` fixture set.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD

STARTUP_TIMEOUT = 20.0


@contextmanager
def serve_registry(wrap: Callable[[ASGIApp], ASGIApp] | None = None) -> Iterator[str]:
    """Serve a registry app built now (inside `wrap`, if given); yields its base URL, then stops it."""
    from main import create_app

    app: ASGIApp = create_app()
    if wrap is not None:
        app = wrap(app)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-registry", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live registry did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def admin_token(base_url: str) -> str:
    """The default admin's session token (`bearer <JWT>`) from the live registry."""
    body = {"user": {"name": DEFAULT_ADMIN, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}}
    response = httpx.put(f"{base_url}/authenticate", json=body, timeout=30)
    response.raise_for_status()
    token: str = response.json()
    return token


class CutOnce:
    """Drop the connection of the first GET whose path holds `fragment`, after `after_bytes` of its body.

    What a flaky network does to a large download; a client that resumes asks again with Range.
    """

    def __init__(self, app: ASGIApp, fragment: str, after_bytes: int) -> None:
        self.app, self.fragment, self.after_bytes = app, fragment, after_bytes
        self.cut = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, cutting the first matching answer short."""
        if (
            self.cut
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or self.fragment not in scope["path"]
        ):
            await self.app(scope, receive, send)
            return
        self.cut = True

        sent = 0

        async def cutting(message: Message) -> None:
            nonlocal sent
            if message["type"] == "http.response.body":
                body = message.get("body", b"")
                if sent + len(body) >= self.after_bytes:
                    partial = body[: self.after_bytes - sent]
                    await send({"type": "http.response.body", "body": partial, "more_body": True})
                    raise ConnectionAbortedError("connection cut by the test")
                sent += len(body)
            await send(message)

        await self.app(scope, receive, cutting)
