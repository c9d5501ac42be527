"""Kaggle adapter: dataset pages are registered as references whose downloads redirect to Kaggle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from package.core.errors import UpstreamError
from package.core.upstream.snapshot import FileStream, RemoteFile, Snapshot
from package.core.upstream.sources import SourceRef

REFERENCE_REASON = (
    "Kaggle serves dataset files only to signed-in API clients and this registry has no Kaggle credentials, "
    "so the dataset is registered as a reference: its download redirects to the Kaggle page."
)


class KaggleAdapter:
    """SourceAdapter for Kaggle dataset pages (reference-only)."""

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """Record the dataset page; nothing is fetched without credentials."""
        return Snapshot(
            source=ref,
            page_url=f"https://www.kaggle.com/datasets/{ref.repo_id}",
            reference_only=True,
            details={"reference_reason": REFERENCE_REASON},
        )

    @contextmanager
    def open_file(self, snapshot: Snapshot, path: str) -> Iterator[Iterator[bytes]]:
        """Kaggle files cannot be read without credentials."""
        raise UpstreamError(f"{REFERENCE_REASON} ({path!r} of {snapshot.source.repo_id!r})")
        yield iter(())  # pragma: no cover - unreachable, keeps this a generator

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, FileStream]]:
        """A reference has no manifest to read."""
        return iter(())
