"""bench/registry.py: the admin login the registry accepts, settings it reads, a server that answers."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from bench import registry
from package.routers.auth.config import SPEC_DEFAULT_ADMIN_PASSWORD, AuthSettings
from package.routers.auth.services import DEFAULT_ADMIN_NAME
from tests.fakehub import FakeHub


def test_the_login_is_the_registrys_default_admin():
    assert registry.ADMIN_NAME == DEFAULT_ADMIN_NAME
    assert registry.ADMIN_PASSWORD == SPEC_DEFAULT_ADMIN_PASSWORD
    assert registry.ADMIN == {
        "user": {"name": DEFAULT_ADMIN_NAME, "is_admin": True},
        "secret": {"password": SPEC_DEFAULT_ADMIN_PASSWORD},
    }


def test_cheap_hashing_names_the_auth_settings_it_lowers(monkeypatch: pytest.MonkeyPatch):
    for name, value in registry.CHEAP_HASHING.items():
        monkeypatch.setenv(name, value)
    settings = AuthSettings()
    assert (settings.password_hash_time_cost, settings.password_hash_memory_kib) == (1, 8)
    assert settings.password_hash_parallelism == 1


def test_the_server_environment_drops_this_processs_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("REGISTRY_MIRROR", "off")
    hub = registry.HubAt(hf_url="http://127.0.0.1:1", github_url="http://127.0.0.1:2")
    env = registry.server_env(hub, tmp_path, {"REGISTRY_RATE_LIMIT_PER_MINUTE": "0"})
    assert "REGISTRY_MIRROR" not in env
    assert env["REGISTRY_RATE_LIMIT_PER_MINUTE"] == "0" and env["REGISTRY_DATA_DIR"] == str(tmp_path)
    assert (env["HF_ENDPOINT"], env["GITHUB_API_URL"]) == (hub.hf_url, hub.github_url)
    assert env["PATH"] == os.environ["PATH"]


def test_a_started_server_answers_and_logs_the_admin_in(hub: FakeHub, tmp_path: Path):
    proc, url = registry.start_server(hub, tmp_path / "data", registry.CHEAP_HASHING)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            headers = registry.admin_headers(http)
            assert headers["X-Authorization"].startswith("bearer ")
            assert http.post("/artifacts", json=[{"name": "*"}], headers=headers).status_code == 200
            http.headers["X-Authorization"] = "bearer not-a-token"
            assert http.post("/artifacts", json=[{"name": "*"}]).status_code == 403
        assert registry.rss_mib(proc.pid) > 10
    finally:
        proc.terminate()
        proc.wait(30)
