"""A live registry on the fake hub, and what the real huggingface_hub client says about a repository."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from huggingface_hub import HfApi

from tests.live_registry import Live, live_registry

CUT_AFTER_BYTES = 12 * 1024 * 1024


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
    env = {k: v for k, v in hub_env.items() if k.startswith("REGISTRY_")}
    cut = (hub_env["_CUT"], CUT_AFTER_BYTES) if "_CUT" in hub_env else None
    with live_registry(env, monkeypatch, cut) as running:
        yield running


@pytest.fixture
def hub_files(hub) -> Callable[[str], dict[str, str | None]]:
    """The fake hub's own answer for a model: each file's LFS sha256 (None for small files)."""

    def read(repo_id: str, endpoint: str | None = None, token: str | None = None) -> dict[str, str | None]:
        info = HfApi(endpoint=endpoint or hub.hf_url, token=token).model_info(repo_id, files_metadata=True)
        return {s.rfilename: (s.lfs.sha256 if s.lfs else None) for s in info.siblings or []}

    return read
