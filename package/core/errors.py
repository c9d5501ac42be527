"""The registry's error base and the one place errors become JSON responses."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from package.core.storage.interface import StorageError

logger = logging.getLogger("registry.errors")


class RegistryError(Exception):
    """Base of every error the registry raises on purpose; carries its HTTP status."""

    status_code = 500
    description: ClassVar[str] = "An unexpected failure."
    code = "internal_error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.details = details


class BadRequest(RegistryError):
    """The request is malformed or names something the registry cannot take."""

    status_code = 400
    description: ClassVar[str] = "Malformed request: a field, id or query parameter is missing or invalid."
    code = "bad_request"


class Unauthorized(RegistryError):
    """The caller is known but may not do this (the spec's 401 for reset)."""

    status_code = 401
    description: ClassVar[str] = "Not allowed."
    code = "unauthorized"


class Forbidden(RegistryError):
    """Authentication failed or the token lacks the permission."""

    status_code = 403
    description: ClassVar[str] = "Authentication failed: missing or invalid token, or not allowed."
    code = "forbidden"


class NotFound(RegistryError):
    """The thing asked for does not exist."""

    status_code = 404
    description: ClassVar[str] = "Does not exist."
    code = "not_found"


class Conflict(RegistryError):
    """The thing to create exists already."""

    status_code = 409
    description: ClassVar[str] = "Exists already."
    code = "conflict"


class PayloadTooLarge(RegistryError):
    """The answer would be larger than the registry hands out at once."""

    status_code = 413
    description: ClassVar[str] = "Too large: narrow the request."
    code = "too_large"


class PreconditionFailed(RegistryError):
    """An If-Match or If-Unmodified-Since condition of the request does not hold."""

    status_code = 412
    description: ClassVar[str] = "Precondition failed."
    code = "precondition_failed"


class RangeNotSatisfiable(RegistryError):
    """A Range header asks for bytes the resource does not have."""

    status_code = 416
    description: ClassVar[str] = "Range not satisfiable."
    code = "range_not_satisfiable"


class FailedDependency(RegistryError):
    """The artifact was refused because of its rating (the spec's 424)."""

    status_code = 424
    description: ClassVar[str] = "Refused: rated below REGISTRY_INGEST_MIN_SCORE, or it could not be rated."
    code = "rating_too_low"


class TooManyRequests(RegistryError):
    """The caller must slow down."""

    status_code = 429
    description: ClassVar[str] = "Too many requests: wait as Retry-After says."
    code = "too_many_requests"


class UpstreamError(RegistryError):
    """An upstream (Hugging Face, GitHub, Kaggle) failed or refused to answer."""

    status_code = 502
    description: ClassVar[str] = "The upstream source could not be read (down, rate-limited, or gated)."
    code = "upstream_unavailable"


class UpstreamGated(UpstreamError):
    """The repository's files are behind a gate the configured token does not open."""

    code = "upstream_gated"


def documented(*errors: type[RegistryError]) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`, built from the error classes it raises (descriptions of one status joined)."""
    by_status: dict[int, list[str]] = {}
    for error in errors:
        descriptions = by_status.setdefault(error.status_code, [])
        if error.description not in descriptions:
            descriptions.append(error.description)
    return {status: {"description": " ".join(texts)} for status, texts in sorted(by_status.items())}


def error_body(
    status_code: int, code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON shape of every error response."""
    body: dict[str, Any] = {"error": code, "message": message, "status": status_code}
    if details:
        body["details"] = details
    return body


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message", "status"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
        "details": {"type": "object"},
    },
}
MALFORMED = "Malformed request: the message names each field that is missing, unknown or invalid."


def describe_400_not_422(app: FastAPI) -> None:
    """Make the OpenAPI document say what the server does: malformed requests get 400 `Error`, not 422."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()  # cached by FastAPI after the first call; the rewrite below is idempotent
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Error"] = ERROR_SCHEMA
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    responses.setdefault("400", {"description": MALFORMED})
                for code, response in responses.items():
                    if code.startswith(("4", "5")) and "content" not in response:
                        response["content"] = {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    """Map every error type to a JSON response, once, for the whole app."""
    describe_400_not_422(app)

    @app.exception_handler(RegistryError)
    async def _registry_error(_: Request, exc: RegistryError) -> JSONResponse:
        if exc.status_code >= 500:
            logger.warning("%s: %s", exc.code, exc.message)
        return JSONResponse(
            error_body(exc.status_code, exc.code, exc.message, exc.details or None),
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(StorageError)
    async def _storage_error(_: Request, exc: StorageError) -> JSONResponse:
        logger.error("storage failed: %s", exc)
        message = "The registry's storage is unavailable; nothing was changed. Try again."
        return JSONResponse(error_body(503, "storage_unavailable", message), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The spec answers malformed requests with 400, not FastAPI's default 422.
        problems = [
            f"{'.'.join(str(part) for part in err.get('loc', ()))}: {err.get('msg', 'invalid')}"
            for err in exc.errors()
        ]
        message = "Malformed request: " + "; ".join(problems) if problems else "Malformed request."
        return JSONResponse(error_body(400, "bad_request", message), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(exc.status_code, code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
