"""The hub domain's settings: documented in the README, read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from package.routers.hub.config import HubSettings

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(HubSettings.model_fields))
def test_every_hub_setting_has_a_row_in_the_readme(name):
    assert f"| `REGISTRY_{name.upper()}` |" in README


def test_pull_through_is_off_unless_asked(monkeypatch):
    assert HubSettings().hub_pull_through is False
    monkeypatch.setenv("REGISTRY_HUB_PULL_THROUGH", "true")
    assert HubSettings().hub_pull_through is True
