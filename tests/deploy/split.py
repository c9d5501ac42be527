"""The split deployment of docker-compose.yml as local processes: one uvicorn per domain container sharing
one storage (a data folder, or DynamoDB + S3 on moto's server), behind nginx with the gateway's route file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from package.core.logging import UVICORN_LOG_CONFIG

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "backend" / "gateway"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(port: int) -> list[str]:
    """uvicorn serving the registry on loopback `port` as every container starts it (JSON log lines only)."""
    command = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    return [*command, "--no-access-log", "--log-config", UVICORN_LOG_CONFIG]


def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def domain_services() -> dict[str, dict[str, Any]]:
    """The compose services that run registry domains (those that set REGISTRY_DOMAINS)."""
    return {
        name: svc
        for name, svc in compose()["services"].items()
        if "REGISTRY_DOMAINS" in svc.get("environment", {})
    }


def nginx_binary() -> str:
    """nginx's path; a failure under CI (make test installs it), a skip elsewhere."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: `make test` installs it (apt-get install nginx-light)")
        pytest.skip("nginx is not installed (make test installs it)")
    return found


def wait_until_up(url: str, processes: list[subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    """Poll `url` until it answers below 500; raise if a process dies or time runs out."""
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


class Split:
    """Every domain container of the compose file as a process, and the gateway in front of them."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = env
        self.ports = {name: free_port() for name in domain_services()}
        self.domains: dict[str, subprocess.Popen[bytes]] = {}
        self.gateway: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{free_port()}"

    def start_domain(self, name: str) -> None:
        """Start (or restart) one domain's container process on its port and wait for its readiness."""
        svc = domain_services()[name]
        own = {
            k: str(v)
            for k, v in svc["environment"].items()
            if k.startswith("REGISTRY_") and not str(v).startswith("${")
        }
        own = {k: v for k, v in own.items() if k not in {"REGISTRY_DATA_DIR", "REGISTRY_PUBLIC_URL"}}
        self.domains[name] = subprocess.Popen(
            uvicorn_command(self.ports[name]),
            cwd=ROOT,
            env=self.env | own,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"http://127.0.0.1:{self.ports[name]}/health/ready", [self.domains[name]], timeout=60)

    def stop_domain(self, name: str) -> None:
        """Stop one domain's process as `docker compose stop` does (SIGTERM, then wait)."""
        proc = self.domains.pop(name)
        proc.terminate()
        proc.wait(timeout=20)

    def kill_domain(self, name: str) -> None:
        """Kill one domain's process outright (a crash: no shutdown hooks run)."""
        proc = self.domains.pop(name)
        proc.kill()
        proc.wait(timeout=20)

    def start(self) -> None:
        """Every domain, then nginx configured as the compose gateway."""
        for name in self.ports:
            self.start_domain(name)
        self.start_gateway()

    def start_gateway(self) -> None:
        """nginx configured as the compose gateway, in front of the domains on `ports` (started or not)."""
        nginx = nginx_binary()
        conf_dir = self.tmp_path / "nginx"
        conf_dir.mkdir()
        upstreams = [
            f"upstream {name} {{ server 127.0.0.1:{port}; keepalive 4; }}"
            for name, port in self.ports.items()
        ]
        (conf_dir / "upstreams.conf").write_text("\n".join(upstreams) + "\n")
        routes = (GATEWAY / "routes.conf").read_text()
        routes = routes.replace("/data/blobs/", f"{self.tmp_path / 'data' / 'blobs'}/")
        (conf_dir / "routes.conf").write_text(routes)
        main_conf = (GATEWAY / "nginx.conf").read_text()
        main_conf = main_conf.replace("/etc/nginx/registry/", f"{conf_dir}/")
        main_conf = main_conf.replace("listen 8000;", f"listen 127.0.0.1:{self.url.rsplit(':', 1)[1]};")
        main_conf = main_conf.replace("access_log /dev/stdout ", f"access_log {conf_dir}/access.log ")
        for sub in TEMP_PATHS:
            (conf_dir / sub).mkdir()
        temp_paths = "".join(f"{sub}_temp_path {conf_dir}/{sub};" for sub in TEMP_PATHS)
        main_conf = main_conf.replace("http {", "http {\n    " + temp_paths, 1)
        if os.geteuid() == 0:  # workers must read pytest's private temp folder, as the registry's user does
            main_conf = "user root;\n" + main_conf
        (conf_dir / "nginx.conf").write_text(main_conf)
        args = [
            nginx,
            "-p",
            str(conf_dir),
            "-c",
            str(conf_dir / "nginx.conf"),
            "-e",
            str(conf_dir / "error.log"),
        ]
        check = subprocess.run(
            [*args, "-t", "-g", f"pid {conf_dir}/nginx.pid;"], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
        self.gateway = subprocess.Popen(
            [*args, "-g", f"daemon off; pid {conf_dir}/nginx.pid;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"{self.url}/health/gateway", [self.gateway])

    def stop(self) -> None:
        """Stop every process this split started."""
        processes = [*self.domains.values(), *([self.gateway] if self.gateway else [])]
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.domains.clear()
