"""Request-scoped plumbing every container installs, whatever domains it serves.

- `X-Request-ID`: a well-formed id the client (or the gateway) sends is kept, otherwise one is generated;
  either way it is returned on the response and attached to every log line written while the request runs.
- One structured JSON log line per request (`registry.request`): request id, method, route template, status,
  duration, user, artifact id and type, client, bytes sent.
- Observers: a domain may ask to see every finished request (`add_request_observer`), e.g. to count activity.

Routes annotate the line with what only they know through `note(user=..., artifact_id=...)`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from package.core.events import ArtifactEvent, on_artifact_event
from package.core.logging import JsonFormatter

logger = logging.getLogger("registry.request")

REQUEST_ID_HEADER = "X-Request-ID"
ARTIFACT_TYPES = frozenset({"model", "dataset", "code"})
UNMATCHED_ROUTE = "(unmatched)"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")
_MAX_FIELD_CHARS = 128
_DOMAIN_MODULE = re.compile(r"^package\.routers\.([a-z_]+)\.")
# Anything else a client sends as a method becomes OTHER, so it cannot mint new metrics labels.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LOG_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


@dataclass
class RequestContext:
    """What is known about the request being served; routes add to it with `note`."""

    request_id: str
    user: str | None = None
    artifact_id: str | None = None
    artifact_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # What the front proxy answers instead (X-Accel-Redirect: nginx sends the file, the app none of it).
    proxy_bytes: int | None = None
    proxy_status: int | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One finished request, as the log line and the observers see it."""

    request_id: str
    method: str
    route: str
    path: str
    status: int
    duration_ms: float
    started_at: float
    domain: str | None
    user: str | None
    artifact_id: str | None
    artifact_type: str | None
    client: str | None
    credential_digest: str | None
    response_bytes: int

    @property
    def route_key(self) -> str:
        """Method and route template, e.g. `GET /artifacts/{artifact_type}/{id}`."""
        return f"{self.method} {self.route}"


RequestObserver = Callable[[RequestRecord], None]

_current: ContextVar[RequestContext | None] = ContextVar("registry_request", default=None)


def current_request() -> RequestContext | None:
    """The request being served by this task or thread, if any."""
    return _current.get()


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    context = _current.get()
    return context.request_id if context else None


def note(
    *, user: str | None = None, artifact_id: str | None = None, artifact_type: str | None = None, **extra: Any
) -> None:
    """Add what a route knows (caller, artifact) to the current request's log line (no-op outside one)."""
    context = _current.get()
    if context is None:
        return
    if user is not None:
        context.user = user
    if artifact_id is not None:
        context.artifact_id = artifact_id
    if artifact_type in ARTIFACT_TYPES:
        context.artifact_type = artifact_type
    context.extra.update(extra)


def note_proxy_answer(status: int, body_bytes: int) -> None:
    """Record the status and body bytes the front proxy answers for this response (X-Accel-Redirect)."""
    context = _current.get()
    if context is not None:
        context.proxy_status, context.proxy_bytes = status, body_bytes


def _note_artifact_event(event: ArtifactEvent, artifact_id: str) -> None:
    # A registration learns its artifact id only when it is stored: take it from the event.
    context = _current.get()
    if context is not None and context.artifact_id is None:
        context.artifact_id = artifact_id


def _accepted_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1").strip()
            return text if _VALID_REQUEST_ID.fullmatch(text) else None
    return None


def _credential_digest(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name in (b"x-authorization", b"authorization") and value:
            return hashlib.blake2b(value, digest_size=8).hexdigest()
    return None


def _clip(value: Any) -> str | None:
    return None if value is None else str(value)[:_MAX_FIELD_CHARS]


def _route_of(scope: Scope) -> tuple[str, str | None]:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return UNMATCHED_ROUTE, None
    module = getattr(getattr(route, "endpoint", None), "__module__", "") or ""
    match = _DOMAIN_MODULE.match(module)
    return template, match.group(1) if match else None


def _artifact_type_of(template: str, path_params: dict[str, Any], noted: str | None) -> str | None:
    if noted:
        return noted
    value = path_params.get("artifact_type")
    if value is not None:
        text = getattr(value, "value", value)
        return text if text in ARTIFACT_TYPES else None
    for segment in template.split("/"):
        if segment in ARTIFACT_TYPES:
            return segment
    return None


class RequestLogMiddleware:
    """ASGI middleware: request id in and out, one JSON log line per request, then the observers."""

    def __init__(self, app: ASGIApp, observers: list[RequestObserver]) -> None:
        self.app = app
        self.observers = observers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request inside its context and account for it afterwards."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.time()
        started = time.perf_counter()
        context = RequestContext(request_id=_accepted_request_id(scope) or uuid.uuid4().hex)
        token = _current.set(context)
        outcome = {"status": 500, "bytes": 0}

        async def send_with_id(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                outcome["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = context.request_id
                length = headers.get("content-length", "")
                outcome["length"] = int(length) if length.isascii() and length.isdigit() else 0
            elif kind == "http.response.body":
                outcome["bytes"] += len(message.get("body", b""))
            elif kind == "http.response.pathsend":  # the server sends the file itself (granian)
                outcome["bytes"] += outcome.get("length", 0)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
            record = self._record(scope, context, outcome, started_at, time.perf_counter() - started)
            self._account(record, context)

    @staticmethod
    def _record(
        scope: Scope, context: RequestContext, outcome: dict[str, int], started_at: float, seconds: float
    ) -> RequestRecord:
        template, domain = _route_of(scope)
        path_params: dict[str, Any] = scope.get("path_params") or {}
        artifact_id = context.artifact_id or path_params.get("id")
        client = scope.get("client")
        return RequestRecord(
            request_id=context.request_id,
            method=method if (method := scope.get("method", "GET")) in KNOWN_METHODS else "OTHER",
            route=template,
            path=_clip(scope.get("path", "")) or "",
            status=outcome["status"] if context.proxy_status is None else context.proxy_status,
            duration_ms=round(seconds * 1000.0, 3),
            started_at=started_at,
            domain=domain,
            user=_clip(context.user),
            artifact_id=_clip(artifact_id),
            artifact_type=_artifact_type_of(template, path_params, context.artifact_type),
            client=client[0] if client else None,
            credential_digest=_credential_digest(scope),
            response_bytes=outcome["bytes"] if context.proxy_bytes is None else context.proxy_bytes,
        )

    def _account(self, record: RequestRecord, context: RequestContext) -> None:
        level = logging.WARNING if record.status >= 500 else logging.INFO
        if logger.isEnabledFor(level):
            fields = {k: v for k, v in vars(record).items() if k not in ("started_at", "credential_digest")}
            fields.update(
                {k: v for k, v in context.extra.items() if k not in fields and k not in _LOG_RECORD_FIELDS}
            )
            logger.log(level, "%s %s %s", record.method, record.route, record.status, extra=fields)
        for observer in list(self.observers):
            try:
                observer(record)
            except Exception:  # an observer must never fail the request it watches
                logger.exception("request observer failed", extra={"observer": repr(observer)})


class RequestIdFilter(logging.Filter):
    """Stamp the current request id on every log record written while a request runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record; add `request_id` when there is one and none is set."""
        if not hasattr(record, "request_id"):
            request_id = current_request_id()
            if request_id is not None:
                record.request_id = request_id
        return True


def _stamp_request_ids() -> None:
    for handler in logging.getLogger("registry").handlers:
        if isinstance(handler.formatter, JsonFormatter) and not any(
            isinstance(f, RequestIdFilter) for f in handler.filters
        ):
            handler.addFilter(RequestIdFilter())


def install_request_log(app: FastAPI) -> None:
    """Install the request-id/log middleware once on `app` (call after the app's hooks were cleared)."""
    on_artifact_event(_note_artifact_event)
    _stamp_request_ids()
    if getattr(app.state, "request_observers", None) is not None:
        return
    observers: list[RequestObserver] = []
    app.state.request_observers = observers
    app.add_middleware(RequestLogMiddleware, observers=observers)


def add_request_observer(app: FastAPI, observer: RequestObserver) -> None:
    """Call `observer(record)` after every request `app` serves (installs the middleware if needed)."""
    install_request_log(app)
    observers: list[RequestObserver] = app.state.request_observers
    if observer not in observers:
        observers.append(observer)
