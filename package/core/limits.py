"""Limits every container applies before a request reaches a route: who the client is, how big a request
may be, and how many requests a client may make.

- Client address: the connecting address, unless it is a configured trusted proxy
  (REGISTRY_TRUSTED_PROXIES, where `unix` names a peer on a Unix socket, make run's nginx); then the nearest
  X-Forwarded-For hop that is not a trusted proxy. A server
  that rewrote the address from X-Forwarded-For itself (uvicorn's default for loopback) is detected and
  its clients share one `forwarded-unverified` address, so a forged header cannot pick a fresh identity.
- Sizes: URL (414), headers (431) and body (413) are refused before anything is parsed or a token checked.
- Rate: requests per client address and minute, counted in storage (so every container shares the
  budget), answered 429 with Retry-After above REGISTRY_RATE_LIMIT_PER_MINUTE.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from package.core.errors import error_body
from package.core.security_settings import Network, SecuritySettings, get_security_settings
from package.core.storage import StorageError, get_storage

logger = logging.getLogger("registry.limits")

UNVERIFIED_FORWARDED = "forwarded-unverified"
_WINDOW_SECONDS = 60
_METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key == name]
    return ",".join(values) if values else None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    host = text.strip()
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:  # IPv4 with a port
        host = host.split(":", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _trusted(host: str, networks: tuple[Network, ...]) -> bool:
    address = _ip(host)
    return address is not None and any(address in network for network in networks)


def client_address(
    scope: Scope, networks: tuple[Network, ...], *, unix_peers: bool = False
) -> tuple[str, str | None]:
    """The client's address and, from a trusted proxy, the scheme it says the client used.

    `unix_peers`: a peer connected over a Unix socket (the scope's server names the socket's path) is a
    trusted proxy.
    """
    peer = scope.get("client")
    host = str(peer[0]) if peer else "unknown"
    forwarded = _header(scope, b"x-forwarded-for")
    if not forwarded:
        return host, None
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if (unix_peers and _over_unix_socket(scope)) or (networks and _trusted(host, networks)):
        for hop in reversed(hops):  # each proxy appends the address it saw: read from the nearest one
            if not _trusted(hop, networks):
                address = _ip(hop)
                return (str(address) if address else UNVERIFIED_FORWARDED), _header(
                    scope, b"x-forwarded-proto"
                )
        return host, _header(scope, b"x-forwarded-proto")
    if any(_ip(hop) is not None and str(_ip(hop)) == host for hop in hops):
        # The server already replaced the peer with a header value the client may have chosen.
        _warn_rewritten_once()
        return UNVERIFIED_FORWARDED, None
    return host, None


def _over_unix_socket(scope: Scope) -> bool:
    # ASGI says `[path, None]`; granian says `(path, "0")`: a socket's path, where a host would be.
    server = scope.get("server")
    if server is None or len(server) != 2:
        return False
    return server[1] is None or str(server[0]).startswith("/")


_warned = threading.Event()


def _warn_rewritten_once() -> None:
    if not _warned.is_set():
        _warned.set()
        logger.warning(
            "the server took the client address from X-Forwarded-For; run uvicorn with --no-proxy-headers "
            "and list real proxies in REGISTRY_TRUSTED_PROXIES"
        )


@dataclass
class _Window:
    minute: int
    synced_total: int = 0
    unsynced: int = 0
    synced_at: float = 0.0


class RateLimiter:
    """Requests per client and minute: counted here and added to storage in batches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    async def wait_seconds(self, client: str, settings: SecuritySettings, now: float) -> float:
        """0 when the client may go on, else how long until its budget renews."""
        limit = settings.rate_limit_per_minute
        if limit <= 0:
            return 0.0
        minute = int(now // _WINDOW_SECONDS)
        with self._lock:
            window = self._windows.get(client)
            if window is None or window.minute != minute:
                if len(self._windows) > 50_000:
                    self._windows = {k: w for k, w in self._windows.items() if w.minute == minute}
                window = self._windows[client] = _Window(minute)
            window.unsynced += 1
            estimate = window.synced_total + window.unsynced
            sync = window.unsynced >= settings.rate_limit_sync_every or now - window.synced_at >= 1.0
            amount = window.unsynced if sync else 0
            if sync:
                window.unsynced, window.synced_at = 0, now
        if sync:
            total = await run_in_threadpool(_add_to_storage, client, minute, amount)
            if total is not None:
                with self._lock:
                    window.synced_total = max(window.synced_total, total)
                    estimate = window.synced_total + window.unsynced
        if estimate <= limit:
            return 0.0
        return (minute + 1) * _WINDOW_SECONDS - now


def _add_to_storage(client: str, minute: int, amount: int) -> int | None:
    pk = "RATE#" + hashlib.blake2b(client.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
    try:
        records = get_storage().records
        total = records.increment(pk, str(minute), "requests", amount)
        if total == amount:  # the first count of this minute: the previous minute's item is done with
            records.delete(pk, str(minute - 1))
        return total
    except StorageError as exc:  # storage down: the local count still limits this process
        logger.warning("rate limit counts not stored: %s", exc)
        return None


class RequestLimitsMiddleware:
    """ASGI middleware: resolve the client address, refuse oversized requests, apply the rate limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.limiter = RateLimiter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with the resolved client address."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_security_settings()
        host, scheme = client_address(scope, settings.proxy_networks, unix_peers=settings.trusts_unix_peers)
        peer = scope.get("client")
        scope["client"] = (host, peer[1] if peer else 0)
        if scheme in {"http", "https"}:
            scope["scheme"] = scheme
        refusal = self._size_refusal(scope, settings)
        if refusal is None:
            wait = await self.limiter.wait_seconds(host, settings, time.time())
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                refusal = _refusal(
                    429,
                    "too_many_requests",
                    f"More than {settings.rate_limit_per_minute} requests a minute from this client; "
                    f"try again in {seconds} seconds.",
                    {"Retry-After": str(seconds)},
                )
        if refusal is None and scope.get("method") in _METHODS_WITH_BODY:
            receive, refusal = await self._bounded_body(scope, receive, settings.max_body_bytes)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _size_refusal(scope: Scope, settings: SecuritySettings) -> JSONResponse | None:
        url_bytes = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(
            scope.get("query_string", b"")
        )
        if url_bytes > settings.max_url_bytes:
            return _refusal(414, "uri_too_long", f"The URL is longer than {settings.max_url_bytes} bytes.")
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ()))
        if header_bytes > settings.max_header_bytes:
            return _refusal(
                431, "headers_too_large", f"The headers are larger than {settings.max_header_bytes} bytes."
            )
        length = _header(scope, b"content-length")
        if length is not None:
            text = length.split(",")[0].strip()
            if not (text.isascii() and text.isdigit()) or len(text) > 18:
                return _refusal(400, "bad_request", "Content-Length is not a number.")
            if int(text) > settings.max_body_bytes:
                return _too_large(settings.max_body_bytes)
        return None

    @staticmethod
    async def _bounded_body(
        scope: Scope, receive: Receive, limit: int
    ) -> tuple[Receive, JSONResponse | None]:
        """Read a body of unknown length up to the limit (413 past it) and hand it on as one message."""
        if _header(scope, b"content-length") is not None:
            return receive, None  # declared and within the limit; the server holds the client to it
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive, None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return receive, _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replay: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def replayed() -> Message:
            return replay.pop() if replay else await receive()

        return replayed, None


def _too_large(limit: int) -> JSONResponse:
    return _refusal(413, "too_large", f"The request body is larger than {limit} bytes.")


def _refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)
