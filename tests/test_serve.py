"""serve.py's pieces: the app's environment behind nginx, nginx's generated configuration, the fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import serve
from package.core.accel_answer import RANGE_REFUSED_JSON


def test_the_app_sends_blobs_by_accel_redirect_and_believes_only_nginx_on_its_socket() -> None:
    env = serve.app_env({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/8", "OTHER": "kept"})
    assert env["REGISTRY_ACCEL_REDIRECT_PREFIX"] == serve.BLOB_LOCATION
    assert env["REGISTRY_TRUSTED_PROXIES"] == "10.0.0.0/8,unix"  # the operator's own list kept
    assert env["OTHER"] == "kept"
    assert serve.app_env({})["REGISTRY_TRUSTED_PROXIES"] == "unix"  # loopback TCP peers are not believed


def test_behind_nginx_granian_listens_on_a_unix_socket_only(tmp_path: Path) -> None:
    argv = serve.granian_command("127.0.0.1", 0, 2, uds=tmp_path / "app.sock")
    assert argv[argv.index("--uds") + 1] == str(tmp_path / "app.sock")
    assert argv[argv.index("--uds-permissions") + 1] == "0600"
    assert "--host" not in argv and "--port" not in argv
    alone = serve.granian_command("0.0.0.0", 8000, 2)
    assert "--uds" not in alone and alone[alone.index("--port") + 1] == "8000"


def test_nginx_serves_blobs_only_from_an_internal_location(tmp_path: Path, registry_env: Path) -> None:
    sockets = [tmp_path / "app-0.sock", tmp_path / "app-1.sock"]
    conf = serve.nginx_conf(
        tmp_path, host="127.0.0.1", port=8123, app_sockets=sockets, blob_dir=tmp_path / "blobs", workers=2
    )
    blobs = conf.split(f"location {serve.BLOB_LOCATION}/ {{", 1)[1].split("}", 1)[0]
    assert "internal;" in blobs and f"alias {tmp_path / 'blobs'}/;" in blobs
    assert "add_header ETag $upstream_http_etag;" in blobs and "etag off;" in blobs
    assert "error_page 416 = @range_refused;" in blobs  # nginx's own 416 is the registry's JSON
    assert f"return 416 '{RANGE_REFUSED_JSON}';" in conf
    assert "listen 127.0.0.1:8123;" in conf and all(f"server unix:{socket};" in conf for socket in sockets)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf  # never a client-sent chain
    assert "access_log off;" in conf and "worker_processes 2;" in conf
    assert "large_client_header_buffers 4 32768;" in conf  # twice the registry's 16 KiB header limit


def test_without_nginx_granian_serves_alone(monkeypatch: pytest.MonkeyPatch, registry_env: Path) -> None:
    started: list[list[str]] = []

    def execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        started.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(serve, "nginx_binary", lambda: None)
    monkeypatch.setattr(os, "execve", execve)
    with pytest.raises(SystemExit):
        serve.main(["--port", "8124", "--workers", "3"])
    argv = started[0]
    assert argv[1:3] == ["-m", "granian"] and argv[-1] == "main:app"
    assert argv[argv.index("--port") + 1] == "8124" and argv[argv.index("--workers") + 1] == "3"
    assert "--no-access-log" in argv
