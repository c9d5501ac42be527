"""JSON answers for the errors nginx raises itself, before a request reaches the registry.

nginx refuses some requests while it reads them: a broken request line, a header it holds unique (Host,
If-Match, If-None-Match, Content-Length, ...) sent on two lines, a URL or headers past its buffers, a body
past its limit. Its own answer is an HTML page; clients of this API read JSON. `make run` (serve.py) and the
split deployment's gateway (backend/gateway/routes.conf, which a test holds equal to `error_pages()`) send
these instead, in the registry's error shape (core/errors.error_body).

Each is an internal URI location, not a named one: a request whose request line nginx could not parse has
no URI, and nginx answers 500 to a redirect from it to a named location.
"""

from __future__ import annotations

import json

from package.core.errors import error_body

LOCATION = "/_registry/nginx-error/"

# nginx's status -> (the status answered, error code, message). 494 is nginx's own "headers too large".
ERRORS: dict[int, tuple[int, str, str]] = {
    400: (
        400,
        "bad_request",
        "The request is malformed and was refused before the registry read it: e.g. a broken request line, "
        "or a header that may appear once (Host, If-Match, If-None-Match, Content-Length) sent twice.",
    ),
    413: (413, "too_large", "The request body is larger than the server accepts."),
    414: (414, "uri_too_long", "The URL is longer than the server accepts."),
    494: (431, "headers_too_large", "The headers are larger than the server accepts."),
}


def body(nginx_status: int) -> str:
    """The JSON body answered in place of nginx's page for this status."""
    status, code, message = ERRORS[nginx_status]
    return json.dumps(error_body(status, code, message))


def error_pages(indent: str = "") -> str:
    """nginx directives (for a `server` block) that answer each of ERRORS as JSON."""
    lines = ["# nginx's own refusals (before the registry reads the request) as JSON (core/nginx_errors.py)."]
    for nginx_status, (status, _, _) in ERRORS.items():
        uri = f"{LOCATION}{nginx_status}"
        lines += [
            f"error_page {nginx_status} ={status} {uri};",
            f"location = {uri} {{",
            "    internal;",
            "    default_type application/json;",
            "    add_header Cache-Control no-store always;",
            f"    return {status} '{body(nginx_status)}';",
            "}",
        ]
    return "".join(f"{indent}{line}\n" for line in lines)
