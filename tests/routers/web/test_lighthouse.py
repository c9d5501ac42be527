"""Lighthouse 12.2.3 on the sign-in page, the catalog and an artifact page: accessibility, best practices
and SEO at least 95 each."""

from __future__ import annotations

import pytest

from bench.lighthouse_scores import LIGHTHOUSE, lighthouse_scores
from tests.routers.web.conftest import CHROMIUM, LiveRegistry, need_tool

MINIMUM = 95.0


@pytest.fixture(scope="module")
def model_page(live_registry: LiveRegistry) -> str:
    """An artifact page with a README, files and lineage to audit."""
    model_id = live_registry.register("https://huggingface.co/microsoft/resnet-50", name="resnet-lighthouse")
    return f"{live_registry.url}/web/artifact/model/{model_id}"


@pytest.mark.parametrize("page", ["signin", "catalog", "artifact"])
def test_lighthouse_scores(page: str, live_registry: LiveRegistry, model_page: str) -> None:
    need_tool(CHROMIUM, "chromium")
    need_tool(LIGHTHOUSE, "lighthouse (npm)")
    url = {"signin": f"{live_registry.url}/", "catalog": f"{live_registry.url}/", "artifact": model_page}[
        page
    ]
    scores = lighthouse_scores(url, token=None if page == "signin" else live_registry.token)
    print(page, scores)
    assert all(score >= MINIMUM for score in scores.values()), scores
