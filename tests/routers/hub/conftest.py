"""A live registry on the fake hub, and tokens for the real huggingface_hub client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from package.routers.hub.config import get_hub_settings
from tests.conftest import clear_process_caches, wait_for_mirrors
from tests.live_registry import CutOnce, admin_token, serve_registry


CUT_AFTER_BYTES = 12 * 1024 * 1024


@dataclass
class Live:
    """A running registry: its URL and an admin HTTP client."""

    url: str
    admin: httpx.Client

    @property
    def admin_jwt(self) -> str:
        """The admin's JWT, as a Hub client sends it (`Bearer <JWT>`)."""
        return str(self.admin.headers["X-Authorization"]).split(" ", 1)[1]

    def register(self, url: str, kind: str = "model", *, mirrored: bool = True) -> str:
        """Register a source and return the artifact id (after the background copy, when `mirrored`)."""
        response = self.admin.post(f"/artifact/{kind}", json={"url": url})
        assert response.status_code == 201, response.text
        if mirrored:
            wait_for_mirrors()
        return str(response.json()["metadata"]["id"])

    def token(self, permissions: list[str], name: str = "hub-test") -> str:
        """An access token of the admin with these permissions."""
        response = self.admin.post("/tokens", json={"name": name, "permissions": permissions})
        assert response.status_code == 201, response.text
        return str(response.json()["token"])


@pytest.fixture
def hub_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Extra environment of the live registry (a test sets it with indirect parametrization).

    `_CUT` (not a variable) names a path fragment whose first GET loses its connection after 12 MB.
    """
    extra: dict[str, str] = getattr(request, "param", {})
    return extra


@pytest.fixture
def live(registry_env, hub_env, monkeypatch) -> Iterator[Live]:
    """A registry serving every domain over HTTP, with the admin logged in."""
    for name, value in hub_env.items():
        if name.startswith("REGISTRY_"):
            monkeypatch.setenv(name, value)
    clear_process_caches()
    get_hub_settings.cache_clear()
    wrap = (lambda app: CutOnce(app, hub_env["_CUT"], CUT_AFTER_BYTES)) if "_CUT" in hub_env else None
    with serve_registry(wrap) as url, httpx.Client(base_url=url, timeout=60) as admin:
        admin.headers["X-Authorization"] = admin_token(url)
        yield Live(url, admin)
    get_hub_settings.cache_clear()
