"""Security headers, CORS, metrics labels, start-up warnings and secrets kept out of logs (issue 13)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from package.core import hardening
from package.core.config import clear_settings_caches
from package.core.security_settings import get_security_settings
from tests.conftest import DEFAULT_ADMIN_PASSWORD
from tests.helpers import LogLines, captured_log_lines


def _app():
    from main import create_app

    return create_app()


class TestHeaders:
    def test_every_answer_says_nosniff_and_json_may_run_nothing(self, client):
        for response in (client.get("/health"), client.get("/nope"), client.get("/artifacts/model/x")):
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert "Strict-Transport-Security" not in response.headers  # plain HTTP

    def test_pages_cannot_be_framed(self, client):
        page = client.get("/docs")
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Frame-Options"] == "DENY"

    def test_hsts_behind_tls(self, registry_env):
        with TestClient(_app(), base_url="https://registry.test") as client:
            assert "max-age=" in client.get("/health").headers["Strict-Transport-Security"]

    def test_hsts_when_a_trusted_proxy_says_https(self, registry_env, monkeypatch):
        monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "10.0.0.0/8")
        get_security_settings.cache_clear()
        with TestClient(_app(), client=("10.0.0.5", 1000)) as client:
            forwarded = {"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"}
            assert "Strict-Transport-Security" in client.get("/health", headers=forwarded).headers
            untrusted = TestClient(client.app, client=("203.0.113.5", 1000))
            assert "Strict-Transport-Security" not in untrusted.get("/health", headers=forwarded).headers


class TestCors:
    def test_off_by_default(self, client):
        response = client.options(
            "/artifacts", headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in response.headers

    def test_configured_origins_only(self, registry_env, monkeypatch):
        monkeypatch.setenv("REGISTRY_CORS_ORIGINS", "https://ui.example")
        get_security_settings.cache_clear()
        with TestClient(_app()) as client:
            ok = client.get("/health", headers={"Origin": "https://ui.example"})
            assert ok.headers["access-control-allow-origin"] == "https://ui.example"
            evil = client.get("/health", headers={"Origin": "https://evil.test"})
            assert "access-control-allow-origin" not in evil.headers


def test_made_up_methods_do_not_become_metrics_labels(client, anonymous_client):
    for i in range(20):
        anonymous_client.request(f"X{i}METHOD", "/health")
    metrics = client.get("/metrics").text
    assert "X1METHOD" not in metrics and "X19METHOD" not in metrics
    assert 'method="OTHER"' in metrics


class TestInsecureSettings:
    def test_registered_checks_are_asked(self, monkeypatch):
        monkeypatch.setattr(hardening, "_insecure_checks", [])
        hardening.register_insecure_check(lambda: ["one", "two"])
        hardening.register_insecure_check(lambda: [])
        assert hardening.insecure_settings() == ["one", "two"]

    def test_start_up_warns(self, registry_env, caplog):
        with caplog.at_level(logging.WARNING, logger="registry.security"):
            _app()
        assert any("insecure setting" in r.getMessage() for r in caplog.records)

    def test_start_up_is_quiet_with_an_own_admin_password(self, registry_env, monkeypatch, caplog):
        monkeypatch.setenv("REGISTRY_DEFAULT_ADMIN_PASSWORD", "a long password of our own")
        clear_settings_caches()
        with caplog.at_level(logging.WARNING, logger="registry.security"):
            _app()
        assert not any("REGISTRY_DEFAULT_ADMIN_PASSWORD" in r.getMessage() for r in caplog.records)

    def test_compose_does_not_publish_the_default_password_to_the_network(self):
        from pathlib import Path

        compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()
        assert '"${REGISTRY_BIND_ADDRESS:-127.0.0.1}:8000:8000"' in compose
        assert "REGISTRY_DEFAULT_ADMIN_PASSWORD" in compose


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    with captured_log_lines("DEBUG") as handler:
        yield handler


def test_secrets_never_reach_the_logs(registry_env, monkeypatch, log_lines, hub):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_SECRETMARKER0123456789")
    monkeypatch.setenv("REGISTRY_JWT_SECRET", "jwt-SECRETMARKER-" + "x" * 40)
    with TestClient(_app()) as client:
        body = {
            "user": {"name": "ece30861defaultadminuser", "is_admin": True},
            "secret": {"password": DEFAULT_ADMIN_PASSWORD},
        }
        token = client.put("/authenticate", json=body).json()
        client.headers["X-Authorization"] = token
        client.post(
            "/users", json={"name": "bob", "password": "bob-SECRETMARKER-pw", "permissions": ["upload"]}
        )
        client.put(
            "/authenticate", json={"user": {"name": "bob"}, "secret": {"password": "wrong-SECRETMARKER"}}
        )
        client.post("/artifact/code", json={"url": "https://github.com/openai/whisper"})
        client.get("/health/components")
    logged = "\n".join(log_lines.text)
    assert logged, "nothing was logged"
    for secret in (
        "SECRETMARKER",
        DEFAULT_ADMIN_PASSWORD,
        token.split(" ", 1)[1],
        json.dumps(DEFAULT_ADMIN_PASSWORD)[1:-1],
    ):
        assert secret not in logged
