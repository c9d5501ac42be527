"""Run several ASGI apps with uvicorn on one background event loop, each on its own socket."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Mapping

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT = 15.0


def bind_socket(host: str, port: int) -> socket.socket:
    # With IPPROTO_TCP named, asyncio turns Nagle's algorithm off (else each kept-alive answer waits ~40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class BackgroundServers:
    def __init__(self, apps: Mapping[str, ASGIApp], host: str = "127.0.0.1") -> None:
        self.apps = dict(apps)
        self.host = host
        self.ports: dict[str, int] = {}
        self._servers: dict[str, uvicorn.Server] = {}
        self._sockets: dict[str, socket.socket] = {}
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, ports: Mapping[str, int]) -> dict[str, int]:
        """Bind every app (port 0 = any free port), start serving, and return once all accept requests."""
        if self.running:
            raise RuntimeError("already started")
        for name, app in self.apps.items():
            sock = bind_socket(self.host, ports.get(name, 0))
            self._sockets[name] = sock
            self.ports[name] = sock.getsockname()[1]
            config = uvicorn.Config(
                app, log_config=None, log_level="warning", access_log=False, lifespan="off",
                timeout_graceful_shutdown=1, timeout_keep_alive=30,
            )  # fmt: skip
            self._servers[name] = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="fakehub-servers", daemon=True)
        self._thread.start()
        self._wait_started()
        return dict(self.ports)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve_all())
        except BaseException as error:  # reported to the thread that called start()
            self._error = error

    async def _serve_all(self) -> None:
        await asyncio.gather(
            *(server.serve(sockets=[self._sockets[name]]) for name, server in self._servers.items())
        )

    def _wait_started(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not all(server.started for server in self._servers.values()):
            if self._error is not None or not self.running:
                self.stop()
                raise RuntimeError(f"fake hub servers failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fake hub servers did not start in time")
            time.sleep(0.01)

    def stop(self) -> None:
        for server in self._servers.values():
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self._sockets.values():
            sock.close()
        self._servers.clear()
        self._sockets.clear()
        self._thread = None
