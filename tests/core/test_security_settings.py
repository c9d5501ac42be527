"""The security and auth-domain settings classes: every field documented in the README's table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from package.core.security_settings import SecuritySettings
from package.core.upstream.retry import RetrySettings
from package.routers.auth.config import AuthSettings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
CLASSES: list[type[BaseSettings]] = [SecuritySettings, AuthSettings, RetrySettings]


@pytest.mark.parametrize(
    "env", sorted(f"REGISTRY_{name.upper()}" for cls in CLASSES for name in cls.model_fields)
)
def test_every_setting_has_a_row_in_the_readme(env):
    assert f"| `{env}` |" in README, env
