"""Response headers every container adds, and CORS when it is configured.

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every response.
- Pages (text/html) may not be framed by other sites (`frame-ancestors 'none'`, X-Frame-Options) and get
  a CSP without plugins or foreign base URLs, unless the page set its own; other responses get
  `default-src 'none'`, since nothing in a JSON or file answer should ever run.
- `Strict-Transport-Security` on requests that arrived over HTTPS (directly or via a trusted proxy).
- CORS is off unless REGISTRY_CORS_ORIGINS lists origins.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from package.core.auth_middleware import TOKEN_HEADER
from package.core.security_settings import get_security_settings

PAGE_POLICY = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and decorate the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hsts = get_security_settings().hsts_seconds

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                is_page = headers.get("content-type", "").startswith("text/html")
                headers.setdefault("Content-Security-Policy", PAGE_POLICY if is_page else API_POLICY)
                if is_page:
                    headers.setdefault("X-Frame-Options", "DENY")
                if hsts and scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_cors(app: FastAPI) -> None:
    """Allow the configured browser origins (none by default) to call the API."""
    origins = get_security_settings().cors_origin_list
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[TOKEN_HEADER, "Authorization", "Content-Type", "Range", "X-Request-ID"],
        expose_headers=["offset", "X-Request-ID", "Content-Disposition", "ETag", "Content-Range"],
        max_age=600,
    )
