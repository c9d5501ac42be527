"""Settings: every one documented, validated at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from package.core.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _env_names(name: str) -> list[str]:
    alias = Settings.model_fields[name].validation_alias
    return [f"REGISTRY_{name.upper()}"] if alias is None else list(getattr(alias, "choices", [alias]))


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_has_a_row_in_the_readme(name):
    assert any(f"`{env}` |" in README or f"| `{env}`" in README for env in _env_names(name)), name


def test_upstream_urls_lose_their_trailing_slash():
    assert Settings(hf_endpoint="http://hub.local/", github_api_url="http://gh.local/").hf_endpoint == (
        "http://hub.local"
    )


@pytest.mark.parametrize(
    ("field", "value"), [("domains", "artifacts,nope"), ("page_size", 0), ("mirror", "x")]
)
def test_bad_values_are_refused_at_start(field, value):
    with pytest.raises(ValidationError):
        Settings(**{field: value})


def _domain_settings_classes() -> list[type[BaseSettings]]:
    """Every domain's own settings class (package/routers/<domain>/config.py)."""
    import importlib

    root = Path(__file__).resolve().parents[2] / "package" / "routers"
    found = []
    for config in sorted(root.glob("*/config.py")):
        module = importlib.import_module(f"package.routers.{config.parent.name}.config")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings
        ]
    return found


@pytest.mark.parametrize(
    ("owner", "name"),
    [(cls, name) for cls in _domain_settings_classes() for name in sorted(cls.model_fields)],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_every_domain_setting_has_a_row_in_the_readme(owner, name):
    alias = owner.model_fields[name].validation_alias
    names = [f"REGISTRY_{name.upper()}"] if alias is None else list(getattr(alias, "choices", [alias]))
    assert any(f"| `{env}`" in README for env in names), name
