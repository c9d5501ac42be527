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
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.conftest import DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD, clear_process_caches, wait_for_mirrors

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


@dataclass
class Live:
    """A running registry: its URL and an admin HTTP client."""

    url: str
    admin: httpx.Client

    @property
    def admin_jwt(self) -> str:
        """The admin's JWT, as a Hub client sends it (`Bearer <JWT>`)."""
        return str(self.admin.headers["X-Authorization"]).split(" ", 1)[1]

    def register(self, url: str, kind: str = "model", *, mirrored: bool = True) -> str:
        """Register a source and return the artifact id (after the background copy, when `mirrored`)."""
        response = self.admin.post(f"/artifact/{kind}", json={"url": url})
        assert response.status_code == 201, response.text
        if mirrored:
            wait_for_mirrors()
        return str(response.json()["metadata"]["id"])

    def token(self, permissions: list[str], name: str = "hub-test") -> str:
        """An access token of the admin with these permissions."""
        response = self.admin.post("/tokens", json={"name": name, "permissions": permissions})
        assert response.status_code == 201, response.text
        return str(response.json()["token"])


@contextmanager
def live_registry(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, cut: tuple[str, int] | None = None
) -> Iterator[Live]:
    """A registry over HTTP with extra `env` (after the `registry_env` fixture's), the admin logged in.

    `cut` (path fragment, bytes) drops the connection of the first matching GET after that many bytes.
    """
    from package.routers.hub.config import get_hub_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clear_process_caches()
    get_hub_settings.cache_clear()
    wrap = (lambda app: CutOnce(app, cut[0], cut[1])) if cut else None
    try:
        with serve_registry(wrap) as url, admin_client(url) as admin:
            yield Live(url, admin)
    finally:
        get_hub_settings.cache_clear()


def admin_token(base_url: str) -> str:
    """The default admin's session token (`bearer <JWT>`) from the live registry."""
    body = {"user": {"name": DEFAULT_ADMIN, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}}
    response = httpx.put(f"{base_url}/authenticate", json=body, timeout=30)
    response.raise_for_status()
    token: str = response.json()
    return token


def admin_client(base_url: str, *, timeout: float = 60) -> httpx.Client:
    """A client of the registry at `base_url` (a live server or process) sending the admin's token."""
    return httpx.Client(
        base_url=base_url, headers={"X-Authorization": admin_token(base_url)}, timeout=timeout
    )


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
