"""A WARNING at start-up while the default admin's password is the spec's published one."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from package.core.config import Settings
from package.routers.auth.warnings import default_password_in_use, warn_about_default_password


def test_the_published_password_warns(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.WARNING, logger="registry.auth"):
        warn_about_default_password(Settings())
    assert default_password_in_use(Settings())
    assert "REGISTRY_DEFAULT_ADMIN_PASSWORD" in caplog.text


def test_a_chosen_password_does_not(caplog: pytest.LogCaptureFixture):
    chosen = Settings(default_admin_password=SecretStr("a-long-password-nobody-published-42"))
    with caplog.at_level(logging.WARNING, logger="registry.auth"):
        warn_about_default_password(chosen)
    assert not default_password_in_use(chosen)
    assert caplog.text == ""
