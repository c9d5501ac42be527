"""nginx's own refusals answer the registry's JSON error shape, in `make run`'s nginx and in the gateway.

A real nginx (no app behind it: these requests never reach one) is sent raw requests it refuses itself.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs pinned
import pytest

import serve
from package.core import nginx_errors
from package.core.errors import ERROR_SCHEMA
from tests.deploy.split import GATEWAY, Split, free_port, nginx_binary

ROUTES = GATEWAY / "routes.conf"


def test_the_gateway_routes_carry_the_same_error_pages() -> None:
    assert nginx_errors.error_pages() in ROUTES.read_text()


@pytest.mark.parametrize("nginx_status", sorted(nginx_errors.ERRORS))
def test_each_body_is_the_error_shape_and_safe_inside_nginx_quotes(nginx_status: int) -> None:
    text = nginx_errors.body(nginx_status)
    assert "'" not in text and "$" not in text and "\\" not in text  # nginx would end the string or expand
    body = json.loads(text)
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["status"] == nginx_errors.ERRORS[nginx_status][0]


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("nginx did not start listening")


@pytest.fixture
def served_nginx(tmp_path: Path, registry_env: Path) -> Iterator[int]:
    """`make run`'s nginx configuration, with no app on its socket; yields its port."""
    nginx = nginx_binary()
    port = free_port()
    for sub in serve.TEMP_PATHS:
        (tmp_path / sub).mkdir()
    conf = serve.nginx_conf(
        tmp_path,
        host="127.0.0.1",
        port=port,
        app_sockets=[tmp_path / "app.sock"],
        blob_dir=tmp_path / "blobs",
        workers=1,
    )
    (tmp_path / "nginx.conf").write_text(conf)
    args = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")]
    process = subprocess.Popen([*args, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def gateway_nginx(tmp_path: Path) -> Iterator[int]:
    """The split deployment's gateway, with no domain container behind it; yields its port."""
    split = Split(tmp_path, {})
    split.start_gateway()  # its own liveness route answers without any domain
    try:
        yield int(split.url.rsplit(":", 1)[1])
    finally:
        split.stop()


def _exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers (lower-cased names) and body nginx answers before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in lines)}
    return int(status_line.split()[1]), headers, body


TWICE = b"GET / HTTP/1.1\r\nHost: r\r\n"
REFUSED = {
    "If-Match twice": (
        b'GET /artifacts/model/1/download HTTP/1.1\r\nHost: r\r\nIf-Match: "a"\r\nIf-Match: "b"\r\n',
        400,
    ),
    "If-None-Match twice": (TWICE + b'If-None-Match: "a"\r\nIf-None-Match: "b"\r\n', 400),
    "Host twice": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n", 400),
    "no Host in HTTP/1.1": (b"GET / HTTP/1.1\r\n", 400),
    "a broken request line": (b"NOT AN HTTP REQUEST\r\n", 400),
    "Content-Length twice": (TWICE + b"Content-Length: 1\r\nContent-Length: 2\r\n", 400),
    "a URL past the buffers": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: r\r\n", 414),
    "headers past the buffers": (b"GET / HTTP/1.1\r\nHost: r\r\nX-Big: " + b"b" * 70_000 + b"\r\n", 431),
}


def _check_refusals(port: int, cases: dict[str, tuple[bytes, int]]) -> None:
    for name, (request, status) in cases.items():
        answered, headers, body = _exchange(port, request + b"Connection: close\r\n\r\n")
        assert answered == status, name
        assert headers["content-type"] == "application/json", name
        assert headers["cache-control"] == "no-store", name
        document = json.loads(body)
        jsonschema.validate(document, ERROR_SCHEMA)
        assert document["status"] == status, name


@pytest.fixture(params=["served_nginx", "gateway_nginx"])
def nginx_port(request: pytest.FixtureRequest) -> int:
    """Each of the two nginx configurations in turn."""
    port: int = request.getfixturevalue(request.param)
    return port


def test_make_runs_nginx_refuses_in_json(served_nginx: int) -> None:
    _check_refusals(served_nginx, REFUSED)


def test_the_gateway_refuses_in_json(gateway_nginx: int) -> None:
    too_large = b"POST /artifact/model HTTP/1.1\r\nHost: r\r\nContent-Length: 20000000\r\n"
    _check_refusals(gateway_nginx, REFUSED | {"a body past the gateway's limit": (too_large, 413)})


def test_an_error_page_is_not_reachable_from_outside(nginx_port: int) -> None:
    request = f"GET {nginx_errors.LOCATION}400 HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n"
    status, _, body = _exchange(nginx_port, request.encode())
    assert status == 404 and b"bad_request" not in body
