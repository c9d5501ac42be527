"""A live registry (uvicorn on loopback, fake hub upstream) and one headless Chromium, shared by the
web interface's browser tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CHEAP_PASSWORD_HASHING, DEFAULT_ADMIN, DEFAULT_ADMIN_PASSWORD
from tests.fakehub import FakeHub

ROOT = Path(__file__).resolve().parents[3]
WEBTOOLS = ROOT / "backend" / "webtools"
AXE_SCRIPT = WEBTOOLS / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless Chromium on a machine without outside network: no GPU, no sandbox (root), nothing phoning home.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP, PHONE = (1280, 900), (390, 844)


def need_tool(path: Path | str, what: str) -> None:
    """Fail under CI (the set-up installs it), else skip, when a browser tool is missing."""
    if Path(path).exists():
        return
    message = f"{what} is missing at {path}: `make test` installs it (backend/install-system-deps.sh)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveRegistry:
    """A registry process the browser can reach."""

    url: str
    token: str

    def api(self) -> httpx.Client:
        """An API client sending the admin's token."""
        return httpx.Client(base_url=self.url, headers={"X-Authorization": self.token}, timeout=60)

    def register(self, url: str, kind: str = "model", name: str | None = None) -> str:
        """Register through the API and return the id."""
        body: dict[str, Any] = {"url": url} | ({"name": name} if name else {})
        with self.api() as api:
            response = api.post(f"/artifact/{kind}", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["metadata"]["id"])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the registry exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="session")
def live_registry(hub: FakeHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """One registry process for every browser test, on its own storage, upstream the fake hub."""
    tmp = tmp_path_factory.mktemp("live-registry")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env.update(CHEAP_PASSWORD_HASHING)
    env.update(
        {
            "REGISTRY_DATA_DIR": str(tmp / "data"),
            "HF_ENDPOINT": hub.hf_url,
            "GITHUB_API_URL": hub.github_url,
            "HF_HOME": str(tmp / "hf-home"),
            "REGISTRY_MAX_ARTIFACT_BYTES": str(200 * 1024 * 1024),
            "REGISTRY_LOG_LEVEL": "WARNING",
        }
    )
    env.pop("HF_TOKEN", None)
    env.pop("GITHUB_TOKEN", None)
    log = (tmp / "registry.log").open("wb")
    command = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process)
        body = {
            "user": {"name": DEFAULT_ADMIN, "is_admin": True},
            "secret": {"password": DEFAULT_ADMIN_PASSWORD},
        }
        token = httpx.put(f"{url}/authenticate", json=body, timeout=30).json()
        yield LiveRegistry(url=url, token=token)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium (driven by Debian's chromedriver) for every browser test."""
    need_tool(CHROMIUM, "chromium")
    need_tool(CHROMEDRIVER, "chromium-driver")
    need_tool(AXE_SCRIPT, "axe-core (npm)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.download_dir = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


def axe_violations(driver: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 A and AA rules)."""
    driver.execute_script(AXE_SCRIPT.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}}).then(r => done(JSON.stringify(r.violations))).catch(e => done(String(e)));"
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v.get("impact") in {"serious", "critical"}]


def check_page(driver: Any, name: str) -> None:
    """No serious or critical axe violation at desktop or phone width; a screenshot of each, and no sideways
    scrolling of the page at either width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        driver.set_window_size(width, height)
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = driver.execute_script(
            "const w = document.documentElement.clientWidth;"
            "return [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > w + 1"
            " && !e.closest('.graph-scroll, .table-wrap'))"
            ".slice(0, 8).map(e => e.tagName + ' ' + (e.getAttribute('class') || ''))"
        )
        assert overflow <= 0, f"{name} ({label}) scrolls sideways by {overflow} px: {wide}"
        bad = axe_violations(driver)
        assert bad == [], f"{name} ({label}): " + json.dumps(
            [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in bad]
        )
        if label == "desktop":  # the whole page; a phone shows one screen, as a person sees it
            full_height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, min(max(height, int(full_height)), 4000))
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-{label}.png"))
    driver.set_window_size(*DESKTOP)
