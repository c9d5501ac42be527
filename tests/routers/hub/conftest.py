"""A live registry on the fake hub, and tokens for the real huggingface_hub client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from huggingface_hub import HfApi

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


@pytest.fixture
def hub_files(hub) -> Callable[[str], dict[str, str | None]]:
    """The fake hub's own answer for a model: each file's LFS sha256 (None for small files)."""

    def read(repo_id: str, endpoint: str | None = None, token: str | None = None) -> dict[str, str | None]:
        info = HfApi(endpoint=endpoint or hub.hf_url, token=token).model_info(repo_id, files_metadata=True)
        return {s.rfilename: (s.lfs.sha256 if s.lfs else None) for s in info.siblings or []}

    return read
