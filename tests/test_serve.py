"""serve.py's pieces: the app's environment behind nginx, nginx's generated configuration, the fallback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import serve


def test_the_app_sends_blobs_by_accel_redirect_and_believes_only_local_nginx() -> None:
    env = serve.app_env({"REGISTRY_TRUSTED_PROXIES": "10.0.0.0/8", "OTHER": "kept"})
    assert env["REGISTRY_ACCEL_REDIRECT_PREFIX"] == serve.BLOB_LOCATION
    assert env["REGISTRY_TRUSTED_PROXIES"] == "10.0.0.0/8,127.0.0.1/32"  # the operator's own list kept
    assert env["OTHER"] == "kept"
    assert serve.app_env({})["REGISTRY_TRUSTED_PROXIES"] == "127.0.0.1/32"


def test_nginx_serves_blobs_only_from_an_internal_location(tmp_path: Path, registry_env: Path) -> None:
    conf = serve.nginx_conf(
        tmp_path, host="127.0.0.1", port=8123, app_port=9123, blob_dir=tmp_path / "blobs", workers=2
    )
    blobs = conf.split(f"location {serve.BLOB_LOCATION}/ {{", 1)[1].split("}", 1)[0]
    assert "internal;" in blobs and f"alias {tmp_path / 'blobs'}/;" in blobs
    assert "add_header ETag $upstream_http_etag;" in blobs and "etag off;" in blobs
    assert "listen 127.0.0.1:8123;" in conf and "server 127.0.0.1:9123" in conf
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
