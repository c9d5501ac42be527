"""ASGI middleware applying the test controls (log, latency, outage, GitHub rate limit) to every request."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.fakehub.controls import GITHUB_RATE_LIMIT, TRUNCATE, Controls, Service

RATE_LIMIT_DOC = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
UNLIMITED_PREFIXES = ("/codeload/", "/raw/")  # not part of the REST API quota on GitHub either


def down_body(service: Service) -> bytes:
    if service == "hf":
        return json.dumps({"error": "Service Unavailable"}).encode()
    return json.dumps(
        {"message": "Service Unavailable", "documentation_url": "https://www.githubstatus.com"}
    ).encode()


def rate_limit_headers(used: int, remaining: int) -> list[tuple[bytes, bytes]]:
    reset = int(time.time()) + 3600
    values = {
        "x-ratelimit-limit": GITHUB_RATE_LIMIT,
        "x-ratelimit-remaining": remaining,
        "x-ratelimit-reset": reset,
        "x-ratelimit-used": used,
    }
    return [(name.encode(), str(value).encode()) for name, value in values.items()] + [
        (b"x-ratelimit-resource", b"core")
    ]


async def send_json(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


class BodyCut(Exception):
    """Stops the app once a cut body has been sent."""


class ControlMiddleware:
    def __init__(self, app: ASGIApp, service: Service, controls: Controls) -> None:
        self.app = app
        self.service = service
        self.controls = controls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.controls.record(self.service, scope["method"], path)
        for name, value in scope.get("headers", []):
            if name == b"range":
                self.controls.record_range(path, value.decode("latin-1"))
        delay = self.controls.latency(self.service)
        if delay > 0:
            await asyncio.sleep(delay)
        fault = self.controls.take_fault(self.service)
        if fault is not None:
            await self.fault(send, fault)
            return
        cut = self.controls.take_cut(self.service, path)
        if cut is not None:
            await self.cut_after(cut, scope, receive, send)
            return
        if self.controls.is_down(self.service, path):
            await send_json(send, 503, down_body(self.service), [])
            return
        send = self.slowed(send)
        if self.service == "github" and not path.startswith(UNLIMITED_PREFIXES):
            await self.github(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def slowed(self, send: Send) -> Send:
        """`send`, waiting the chunk delay before each piece of a body while one is set."""
        delay = self.controls.chunk_delay(self.service)
        if delay <= 0:
            return send

        async def send_slowly(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                await asyncio.sleep(delay)
            await send(message)

        return send_slowly

    async def cut_after(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer as usual, but end the body after `limit` bytes: the client sees the connection drop."""
        sent = 0

        async def send_cut(message: Message) -> None:
            nonlocal sent
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            if sent + len(body) < limit or (
                not message.get("more_body", False) and sent + len(body) <= limit
            ):
                sent += len(body)
                await send(message)
                return
            await send({"type": "http.response.body", "body": body[: limit - sent], "more_body": True})
            raise BodyCut  # the response never completes: uvicorn closes the connection

        try:
            await self.app(scope, receive, send_cut)
        except BodyCut:
            return

    async def fault(self, send: Send, status: int) -> None:
        if status == TRUNCATE:  # the connection drops mid-body: clients see a protocol error
            headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b'{"id": "trunc', "more_body": False})
            return
        extra = [(b"retry-after", b"1")] if status == 429 else []
        await send_json(send, status, down_body(self.service), extra)

    async def github(self, scope: Scope, receive: Receive, send: Send) -> None:
        limited, used, remaining = self.controls.github_quota()
        extra = rate_limit_headers(used, remaining)
        if limited:
            client = scope.get("client") or ("127.0.0.1", 0)
            message = (
                f"API rate limit exceeded for {client[0]}. (But here's the good news: Authenticated requests"
                " get a higher rate limit. Check out the documentation for more details.)"
            )
            body = json.dumps({"message": message, "documentation_url": RATE_LIMIT_DOC}).encode()
            await send_json(send, 403, body, extra)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
