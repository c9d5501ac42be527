"""Settings: every one documented, validated at start."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from package.core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def settings_classes() -> list[type[BaseSettings]]:
    """Core's settings and every domain's (`package/routers/<domain>/config.py`), found on disk."""
    modules = ["package.core.config"] + [
        f"package.routers.{path.parent.name}.config"
        for path in sorted((ROOT / "package" / "routers").glob("*/config.py"))
    ]
    found: list[type[BaseSettings]] = []
    for name in modules:
        module = importlib.import_module(name)
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, BaseSettings)
            and value is not BaseSettings
            and value.__module__ == name
        ]
    return found


FIELDS = [(cls, name) for cls in settings_classes() for name in sorted(cls.model_fields)]


def _env_names(cls: type[BaseSettings], name: str) -> list[str]:
    alias = cls.model_fields[name].validation_alias
    return [f"REGISTRY_{name.upper()}"] if alias is None else list(getattr(alias, "choices", [alias]))


@pytest.mark.parametrize(("cls", "name"), FIELDS, ids=[f"{c.__name__}.{n}" for c, n in FIELDS])
def test_every_setting_has_a_row_in_the_readme(cls: type[BaseSettings], name: str):
    assert any(f"`{env}` |" in README or f"| `{env}`" in README for env in _env_names(cls, name)), name


def test_domain_settings_are_discovered():
    names = {cls.__name__ for cls in settings_classes()}
    assert {"Settings", "RatingSettings", "LicenseSettings"} <= names


def test_no_setting_is_declared_twice():
    seen: dict[str, str] = {}
    for cls, name in FIELDS:
        assert name not in seen, f"{name} is declared by {seen[name]} and {cls.__name__}"
        seen[name] = cls.__name__


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
