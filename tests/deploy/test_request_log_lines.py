"""Every container logs one JSON line per request: uvicorn's access log is off, its own lines go through our
formatter, and `make run`, the image and the split-deployment test start uvicorn the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from package.core.logging import UVICORN_LOG_CONFIG
from serve import granian_command
from tests.deploy.split import free_port, uvicorn_command

ROOT = Path(__file__).resolve().parents[2]
GRANIAN_LOG_CONFIG = "package/core/granian-logging.json"


def test_every_launcher_turns_the_access_log_off_and_uses_the_json_config() -> None:
    dockerfile = (ROOT / "backend" / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert '"--no-access-log", "--log-config", "package/core/uvicorn-logging.json"' in dockerfile
    assert "--no-access-log --log-config package/core/uvicorn-logging.json" in makefile
    assert "--no-access-log --log-config package/core/granian-logging.json" in makefile
    assert (ROOT / GRANIAN_LOG_CONFIG).is_file()
    behind_nginx = granian_command("127.0.0.1", 8001, 2)  # `make run`'s app server (serve.py)
    assert "--no-access-log" in behind_nginx
    assert behind_nginx[-3:] == ["--log-config", str(ROOT / GRANIAN_LOG_CONFIG), "main:app"]
    assert (ROOT / UVICORN_LOG_CONFIG).is_file()
    assert uvicorn_command(8000)[-3:] == ["--no-access-log", "--log-config", UVICORN_LOG_CONFIG]
    assert "registry_json" in (ROOT / "backend" / "gateway" / "nginx.conf").read_text()


def _served_log_lines(cmd: list[str], port: int, tmp_path: Path) -> list[dict[str, object]]:
    """Start a server, send three probes, stop it (SIGTERM); every line it wrote, parsed as JSON."""
    env = os.environ | {"REGISTRY_DATA_DIR": str(tmp_path), "REGISTRY_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, f"{cmd[2]} did not start"
                time.sleep(0.2)
        for i in range(3):
            httpx.get(f"http://127.0.0.1:{port}/tracks", headers={"X-Request-ID": f"probe-{i}"}, timeout=5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    lines = [line for line in (out + err).decode().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is JSON, the server's own lines included


def _assert_one_line_per_probe(entries: list[dict[str, object]]) -> None:
    probes = [e for e in entries if str(e.get("request_id", "")).startswith("probe-")]
    assert sorted(str(e["request_id"]) for e in probes if e["logger"] == "registry.request") == [
        "probe-0",
        "probe-1",
        "probe-2",
    ]
    assert all("color_message" not in e for e in entries)


def test_uvicorn_writes_one_json_line_per_request(tmp_path: Path) -> None:
    port = free_port()
    cmd = uvicorn_command(port)  # as the split-deployment test starts every container
    entries = _served_log_lines(cmd, port, tmp_path)
    assert any(str(e["logger"]).startswith("uvicorn") for e in entries)
    _assert_one_line_per_probe(entries)
    assert not [e for e in entries if e["logger"] == "uvicorn.access"]


def test_granian_as_make_run_starts_it_writes_one_json_line_per_request(tmp_path: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "2", "--no-access-log", "--log-config", GRANIAN_LOG_CONFIG, "main:app"]
    entries = _served_log_lines(cmd, port, tmp_path)
    assert any(str(e["logger"]).startswith("_granian") for e in entries)
    _assert_one_line_per_probe(entries)
    assert not [e for e in entries if e["logger"] == "granian.access"]
