"""Logins under concurrency (issue 13): the throttle holds for bursts, and hashing runs a few at a time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from package.routers.auth import passwords
from package.routers.auth.config import get_auth_settings


def _body(name, password):
    return {"user": {"name": name, "is_admin": False}, "secret": {"password": password}}


def _slow_verification(monkeypatch, seconds=0.2):
    original = passwords.verify_password

    def slow(settings, password_hash, password):
        time.sleep(seconds)  # a real argon2id verification at production cost takes about this long
        return original(settings, password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow)


def test_a_burst_of_wrong_passwords_for_one_user_gets_at_most_the_free_failures(
    client, user_client, monkeypatch
):
    user_client("victim", password="victim-password-1")
    _slow_verification(monkeypatch)
    anonymous = TestClient(client.app)
    with ThreadPoolExecutor(30) as pool:
        codes = list(
            pool.map(
                lambda i: anonymous.put("/authenticate", json=_body("victim", f"guess-{i}")).status_code,
                range(30),
            )
        )
    assert codes.count(401) <= 5, codes
    assert codes.count(429) >= 25, codes
    refused = anonymous.put("/authenticate", json=_body("victim", "guess-x"))
    assert refused.status_code in {401, 429} and refused.status_code != 200


def test_the_real_user_still_logs_in_after_a_burst_elsewhere(client, user_client, monkeypatch):
    user_client("victim", password="victim-password-1")
    anonymous = TestClient(client.app)
    assert anonymous.put("/authenticate", json=_body("victim", "victim-password-1")).status_code == 200


def test_hashing_runs_at_most_the_configured_number_at_once(client, user_client, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD_HASH_CONCURRENCY", "2")
    monkeypatch.setenv("REGISTRY_PASSWORD_HASH_QUEUE_SECONDS", "30")
    get_auth_settings.cache_clear()
    running, peak, lock = 0, 0, threading.Lock()
    original = passwords._hasher

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def verify(self, password_hash, password):
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                time.sleep(0.05)
                return self.inner.verify(password_hash, password)
            finally:
                with lock:
                    running -= 1

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(passwords, "_hasher", lambda *a: Counting(original(*a)))
    anonymous = TestClient(client.app)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda i: anonymous.put("/authenticate", json=_body(f"nobody{i}", "x")), range(12)))
    assert 1 <= peak <= 2


def test_a_login_that_cannot_get_a_hashing_slot_in_time_is_429(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD_HASH_CONCURRENCY", "1")
    monkeypatch.setenv("REGISTRY_PASSWORD_HASH_QUEUE_SECONDS", "0.1")
    get_auth_settings.cache_clear()
    anonymous = TestClient(client.app)
    with passwords.hashing_slot():  # someone else's hash is running
        response = anonymous.put("/authenticate", json=_body("nobody", "x"))
    assert response.status_code == 429 and response.headers["Retry-After"]
