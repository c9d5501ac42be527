"""The split deployment of docker-compose.yml, run as local processes: one uvicorn per domain container,
sharing one data folder, behind nginx with the gateway's own route file."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from package.core.logging import UVICORN_LOG_CONFIG

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "backend" / "gateway"
UVICORN = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1"]
DEFAULT_ADMIN = {
    "user": {"name": "ece30861defaultadminuser", "is_admin": True},
    "secret": {"password": "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make test` installs it (apt-get install nginx-light)")
        pytest.skip("nginx is not installed (make test installs it)")
    return found


def _wait(url: str, processes: list[subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in processes:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


def test_compose_file_describes_one_container_per_domain():
    from package.core.config import ALL_DOMAINS

    services = _compose()["services"]
    domains = {
        name: svc["environment"]["REGISTRY_DOMAINS"] for name, svc in services.items() if name != "gateway"
    }
    assert sorted(domains.values()) == sorted(ALL_DOMAINS)
    assert all(name == domain for name, domain in domains.items())
    gateway = services["gateway"]
    assert set(gateway["depends_on"]) == set(domains)
    upstreams = (GATEWAY / "upstreams.conf").read_text()
    for name in domains:
        assert f"upstream {name} " in upstreams and f"server {name}:8000" in upstreams
    for mount in gateway["volumes"]:
        source = mount.split(":")[0]
        assert (ROOT / source).exists() if source.startswith("./") else source in _compose()["volumes"]


@pytest.fixture
def gateway(hub, tmp_path) -> Iterator[str]:
    nginx = _nginx()
    services = {name: svc for name, svc in _compose()["services"].items() if name != "gateway"}
    gateway_port = _free_port()
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(
        {
            "REGISTRY_DATA_DIR": str(tmp_path / "data"),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "REGISTRY_PUBLIC_URL": gateway_url,
            "HF_HOME": str(tmp_path / "hf"),
        }
    )
    processes: list[subprocess.Popen[bytes]] = []
    upstreams = []
    try:
        for name, svc in services.items():
            port = _free_port()
            proc_env = env | {
                k: v
                for k, v in svc["environment"].items()
                if k.startswith("REGISTRY_") and k not in {"REGISTRY_DATA_DIR", "REGISTRY_PUBLIC_URL"}
            }
            processes.append(
                subprocess.Popen(
                    [*UVICORN, "--port", str(port), "--no-access-log", "--log-config", UVICORN_LOG_CONFIG],
                    cwd=ROOT,
                    env=proc_env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            upstreams.append(f"upstream {name} {{ server 127.0.0.1:{port}; keepalive 4; }}")
            _wait(f"http://127.0.0.1:{port}/openapi.json", processes)
        conf_dir = tmp_path / "nginx"
        conf_dir.mkdir()
        (conf_dir / "upstreams.conf").write_text("\n".join(upstreams) + "\n")
        routes = (
            (GATEWAY / "routes.conf").read_text().replace("/data/blobs/", f"{tmp_path / 'data' / 'blobs'}/")
        )
        (conf_dir / "routes.conf").write_text(routes)
        main_conf = (GATEWAY / "nginx.conf").read_text()
        main_conf = main_conf.replace("/etc/nginx/registry/", f"{conf_dir}/").replace(
            "listen 8000;", f"listen 127.0.0.1:{gateway_port};"
        )
        main_conf = main_conf.replace("access_log /dev/stdout ", f"access_log {conf_dir}/access.log ")
        (conf_dir / "nginx.conf").write_text(main_conf)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf_dir / sub).mkdir()
        temp_paths = "".join(
            f"{sub}_temp_path {conf_dir}/{sub};"
            for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        main_conf = main_conf.replace("http {", "http {\n    " + temp_paths, 1)
        if os.geteuid() == 0:  # workers must read pytest's private temp folder, as the registry's user does
            main_conf = "user root;\n" + main_conf
        (conf_dir / "nginx.conf").write_text(main_conf)
        check = subprocess.run(
            [
                nginx,
                "-t",
                "-p",
                str(conf_dir),
                "-c",
                str(conf_dir / "nginx.conf"),
                "-e",
                str(conf_dir / "error.log"),
                "-g",
                f"pid {conf_dir}/nginx.pid;",
            ],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        processes.append(
            subprocess.Popen(
                [
                    nginx,
                    "-p",
                    str(conf_dir),
                    "-c",
                    str(conf_dir / "nginx.conf"),
                    "-e",
                    str(conf_dir / "error.log"),
                    "-g",
                    f"daemon off; pid {conf_dir}/nginx.pid;",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _wait(f"{gateway_url}/openapi.json", processes)
        yield gateway_url
    finally:
        for proc in reversed(processes):
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_requests_reach_the_right_container(gateway):
    with httpx.Client(base_url=gateway, timeout=30) as http:
        login = http.put("/authenticate", json=DEFAULT_ADMIN)  # the auth container
        assert login.status_code == 200, login.text
        http.headers["X-Authorization"] = login.json()
        created = http.post(
            "/artifact/model", json={"url": "https://huggingface.co/google-bert/bert-base-uncased"}
        )
        assert created.status_code == 201, created.text
        artifact = created.json()
        assert artifact["data"]["download_url"].startswith(gateway)
        aid = artifact["metadata"]["id"]
        assert http.get(f"/artifacts/model/{aid}").json() == artifact
        assert http.get("/tracks").status_code == 200  # health container
        assert http.get("/health").status_code == 200
        download = http.get(f"/download/model/{aid}/config.json")  # streamed through nginx
        assert download.status_code == 200 and download.json()
        time.sleep(0.5)  # the background mirror copies the model's files meanwhile
        for _ in range(50):
            stored = http.get(f"/download/model/{aid}")
            if stored.headers.get("etag"):
                break
            time.sleep(0.1)
        assert stored.status_code == 200, stored.text
        assert stored.headers["etag"]  # served from the blob store, by nginx (X-Accel-Redirect)
        assert "x-accel-redirect" not in stored.headers
        assert stored.headers["content-length"] == str(len(stored.content))
        assert zipfile.ZipFile(io.BytesIO(stored.content)).testzip() is None
        part = http.get(f"/download/model/{aid}", headers={"Range": "bytes=10-19"})
        assert part.status_code == 206
        assert part.content == stored.content[10:20]
        assert http.delete("/reset").status_code == 200
        assert http.post("/artifacts", json=[{"name": "*"}]).json() == []
