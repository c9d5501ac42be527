"""The web domain's settings: each documented in the README's settings table, validated at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from package.routers.web.config import WebSettings

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(WebSettings.model_fields))
def test_every_web_setting_has_a_row_in_the_readme(name):
    assert f"| `REGISTRY_{name.upper()}` |" in README, name


def test_page_size_is_bounded():
    with pytest.raises(ValidationError):
        WebSettings(web_page_size=0)
