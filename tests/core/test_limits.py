"""Request limits in the app itself (issue 13): sizes refused unread, rate per client, trusted proxies."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from package.core.limits import UNVERIFIED_FORWARDED, client_address
from package.core.security_settings import SecuritySettings, get_security_settings


def _app():
    from main import create_app

    return create_app()


@pytest.fixture
def limited(registry_env, monkeypatch):
    """Set security settings before the app is built."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"REGISTRY_{name.upper()}", value)
        get_security_settings.cache_clear()

    return apply


class TestSizes:
    def test_a_large_anonymous_body_is_413_before_it_is_read(self, limited):
        limited(max_body_bytes="4096")
        with TestClient(_app()) as client:

            def body():
                yield b"[" + b'{"name": "*"},' * 1000

            response = client.post(
                "/artifacts", content=b"x" * 10_000, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 413 and response.json()["error"] == "too_large"
            chunked = client.post("/artifacts", content=body(), headers={"Content-Type": "application/json"})
            assert chunked.status_code == 413

    def test_a_body_under_the_limit_passes(self, limited):
        limited(max_body_bytes="4096")
        with TestClient(_app()) as client:
            response = client.post("/artifacts", json=[{"name": "*"}])
            assert response.status_code == 403  # reached the token check: no token sent

    def test_long_urls_and_big_headers_are_refused(self, limited):
        limited(max_url_bytes="512", max_header_bytes="2048")
        with TestClient(_app()) as client:
            assert client.get("/health", params={"q": "x" * 600}).status_code == 414
            assert client.get("/health", headers={"X-Big": "y" * 3000}).status_code == 431
            assert client.get("/health").status_code == 200

    def test_a_bad_content_length_is_400(self, limited):
        with TestClient(_app()) as client:
            response = client.post("/artifacts", content=b"[]", headers={b"Content-Length": b"\xb2"})
            assert response.status_code in {400, 413}


class TestRate:
    def test_a_client_over_its_budget_gets_429_with_retry_after(self, limited):
        limited(rate_limit_per_minute="5", rate_limit_sync_every="1")
        with TestClient(_app()) as client:
            codes = [client.get("/health").status_code for _ in range(7)]
            assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
            refused = client.get("/health")
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            other = TestClient(client.app, client=("10.9.8.7", 1234))
            assert other.get("/health").status_code == 200  # per client

    def test_the_budget_is_shared_by_containers_through_storage(self, limited):
        limited(rate_limit_per_minute="6", rate_limit_sync_every="1")
        with TestClient(_app()) as first, TestClient(_app()) as second:
            codes = [c.get("/health").status_code for c in (first, second) * 4]
        assert codes.count(429) == 2, codes

    def test_zero_turns_it_off(self, limited):
        limited(rate_limit_per_minute="0")
        with TestClient(_app()) as client:
            assert {client.get("/health").status_code for _ in range(30)} == {200}


def _scope(peer: str, forwarded: str | None = None, proto: str | None = None):
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    headers += [(b"x-forwarded-proto", proto.encode())] if proto else []
    return {"type": "http", "client": (peer, 5555), "headers": headers}


class TestClientAddress:
    def test_forwarded_headers_are_ignored_without_trusted_proxies(self):
        assert client_address(_scope("203.0.113.9", "1.2.3.4"), ()) == ("203.0.113.9", None)

    def test_a_trusted_proxy_names_the_nearest_untrusted_hop(self):
        networks = SecuritySettings(trusted_proxies="10.0.0.0/8").proxy_networks
        scope = _scope("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9", "https")
        assert client_address(scope, networks) == ("198.51.100.7", "https")
        assert client_address(_scope("10.0.0.2", "not-an-ip"), networks)[0] == UNVERIFIED_FORWARDED

    def test_an_address_the_server_took_from_the_header_is_not_believed(self):
        # uvicorn's default trusts X-Forwarded-For from loopback and puts its value in the scope.
        assert client_address(_scope("1.2.3.4", "1.2.3.4"), ())[0] == UNVERIFIED_FORWARDED

    def test_forged_forwarded_for_does_not_escape_the_login_throttle(self, client, user_client):
        user_client("victim", password="victim-password-1")
        codes = []
        for i in range(8):
            forged = f"198.51.100.{i + 1}"
            # What uvicorn's default does from loopback: the peer becomes the header's value.
            attacker = TestClient(client.app, client=(forged, 40000 + i))
            body = {"user": {"name": "victim", "is_admin": False}, "secret": {"password": f"guess{i}"}}
            codes.append(
                attacker.put("/authenticate", json=body, headers={"X-Forwarded-For": forged}).status_code
            )
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes

    def test_a_unix_socket_peer_is_a_proxy_only_when_unix_is_listed(self):
        settings = SecuritySettings(trusted_proxies="unix")
        over_unix = _scope("", "6.6.6.6, 198.51.100.7", "https") | {"server": ("/run/app.sock", None)}
        unix = settings.trusts_unix_peers
        assert settings.proxy_networks == () and unix
        assert client_address(over_unix, (), unix_peers=unix) == ("198.51.100.7", "https")
        granian = over_unix | {"server": ("/run/app.sock", "0")}  # how granian names its socket
        assert client_address(granian, (), unix_peers=unix) == ("198.51.100.7", "https")
        assert client_address(over_unix, ())[0] == ""  # not listed: the peer, not the header
        over_tcp = _scope("127.0.0.1", "198.51.100.7") | {"server": ("127.0.0.1", 8000)}
        assert client_address(over_tcp, (), unix_peers=unix)[0] == "127.0.0.1"  # a TCP peer stays itself

    def test_a_bad_trusted_proxy_setting_fails_at_start(self):
        with pytest.raises(ValueError, match="nonsense"):
            SecuritySettings(trusted_proxies="10.0.0.0/8, nonsense")


def test_rate_windows_renew(limited):
    limited(rate_limit_per_minute="1", rate_limit_sync_every="1")
    import asyncio

    from package.core.limits import RateLimiter

    limiter = RateLimiter()
    settings = get_security_settings()
    start = (time.time() // 60) * 60 + 1
    assert asyncio.run(limiter.wait_seconds("c", settings, start)) == 0
    assert asyncio.run(limiter.wait_seconds("c", settings, start + 1)) > 0
    assert asyncio.run(limiter.wait_seconds("c", settings, start + 60)) == 0
