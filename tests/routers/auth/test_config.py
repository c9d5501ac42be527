"""The auth domain's settings: the same REGISTRY_ variables as before, validated; the insecure check."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from package.core.hardening import insecure_settings
from package.routers.auth.config import AuthSettings, get_auth_settings, insecure_auth_settings


class TestAuthSettings:
    def test_read_from_the_registry_variables(self, monkeypatch):
        monkeypatch.setenv("REGISTRY_TOKEN_LIFETIME_HOURS", "0.5")
        monkeypatch.setenv("REGISTRY_LOGIN_FREE_FAILURES_PER_NAME", "7")
        settings = AuthSettings()
        assert (settings.token_lifetime_seconds, settings.login_free_failures_per_name) == (1800, 7)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("token_lifetime_hours", 0), ("password_hash_parallelism", 65), ("login_backoff_max_seconds", -1)],
    )
    def test_bad_values_are_refused(self, field, value):
        with pytest.raises(ValidationError):
            AuthSettings(**{field: value})


class TestInsecureAuthSettings:
    def test_the_spec_password_is_reported(self, monkeypatch):
        monkeypatch.delenv("REGISTRY_DEFAULT_ADMIN_PASSWORD", raising=False)
        [problem] = insecure_auth_settings(AuthSettings())
        assert "REGISTRY_DEFAULT_ADMIN_PASSWORD" in problem

    def test_an_own_password_is_not(self):
        assert insecure_auth_settings(AuthSettings(default_admin_password="a long password of ours")) == []

    def test_start_up_asks_the_auth_check(self, monkeypatch):
        monkeypatch.delenv("REGISTRY_DEFAULT_ADMIN_PASSWORD", raising=False)
        get_auth_settings.cache_clear()
        try:
            assert any("REGISTRY_DEFAULT_ADMIN_PASSWORD" in p for p in insecure_settings())
        finally:
            get_auth_settings.cache_clear()
