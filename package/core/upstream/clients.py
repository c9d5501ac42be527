"""One adapter per source kind, built lazily from the settings."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from package.core.config import Settings, get_settings
from package.core.on_loop import on_loop
from package.core.upstream.snapshot import SourceAdapter
from package.core.upstream.sources import SourceKind

if TYPE_CHECKING:  # imported where first built: huggingface_hub and its HTTP stack cost ~0.5 s at start
    from package.core.upstream.github import GitHubAdapter
    from package.core.upstream.huggingface import HuggingFaceAdapter


class Upstreams:
    """The adapters a process uses; each is created on first use (no clients at import)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._adapters: dict[str, SourceAdapter] = {}
        self._lock = threading.Lock()

    def adapter(self, kind: SourceKind) -> SourceAdapter:
        """The adapter that reads sources of this kind."""
        family = {SourceKind.HF_MODEL: "hf", SourceKind.HF_DATASET: "hf"}.get(kind, kind.value)
        with self._lock:
            if family not in self._adapters:
                self._adapters[family] = self._build(family)
            return self._adapters[family]

    def huggingface(self) -> HuggingFaceAdapter:
        """The Hugging Face adapter (metadata and files of models and datasets)."""
        from package.core.upstream.huggingface import HuggingFaceAdapter

        adapter = self.adapter(SourceKind.HF_MODEL)
        assert isinstance(adapter, HuggingFaceAdapter)
        return adapter

    def github(self) -> GitHubAdapter:
        """The GitHub adapter, whose `get_json` reads any REST resource with the configured token."""
        from package.core.upstream.github import GitHubAdapter

        adapter = self.adapter(SourceKind.GITHUB)
        assert isinstance(adapter, GitHubAdapter)
        return adapter

    def _build(self, family: str) -> SourceAdapter:
        s = self._settings
        if family == "hf":
            from package.core.upstream.huggingface import HuggingFaceAdapter

            return HuggingFaceAdapter(
                endpoint=s.hf_endpoint, token=s.hf_token, timeout=s.upstream_timeout_seconds
            )
        if family == SourceKind.GITHUB.value:
            from package.core.upstream.github import GitHubAdapter

            return GitHubAdapter(
                api_url=s.github_api_url, token=s.github_token, timeout=s.upstream_timeout_seconds
            )
        from package.core.upstream.kaggle import KaggleAdapter

        return KaggleAdapter(
            api_url=s.kaggle_api_url,
            username=s.kaggle_username,
            key=s.kaggle_key,
            timeout=s.upstream_timeout_seconds,
        )


@lru_cache(maxsize=1)
def get_upstreams() -> Upstreams:
    """The process-wide upstream adapters."""
    return Upstreams(get_settings())


UpstreamsDep = Annotated[Upstreams, Depends(on_loop(get_upstreams))]
