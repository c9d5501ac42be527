"""Kaggle adapter: dataset metadata and files through Kaggle's API when credentials are configured;
without them, the dataset page is registered as a reference whose download redirects to Kaggle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from package.core.errors import UpstreamError
from package.core.upstream.http import raise_for_status, stream_checked
from package.core.upstream.paths import keep_safe
from package.core.upstream.snapshot import README_MAX_BYTES, FileStream, RemoteFile, Snapshot
from package.core.upstream.sources import SourceRef

MAX_FILE_PAGES = 50
REFERENCE_REASON = (
    "Kaggle serves dataset files only to signed-in API clients and this registry has no Kaggle credentials "
    "(KAGGLE_USERNAME and KAGGLE_KEY), so the dataset is registered as a reference: its download "
    "redirects to the Kaggle page."
)


class KaggleAdapter:
    """SourceAdapter for Kaggle datasets."""

    def __init__(self, *, api_url: str, username: str | None, key: str | None, timeout: float) -> None:
        self._http: httpx.Client | None = None
        if username and key:
            self._http = httpx.Client(
                base_url=api_url,
                auth=(username, key),
                follow_redirects=True,
                timeout=httpx.Timeout(timeout, read=max(timeout, 60.0)),
            )

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """The dataset's metadata, description and file list (or a reference without credentials)."""
        page_url = f"https://www.kaggle.com/datasets/{ref.repo_id}"
        if self._http is None:
            return Snapshot(
                source=ref,
                page_url=page_url,
                reference_only=True,
                details={"reference_reason": REFERENCE_REASON},
            )
        slugs = _slugs(ref)
        dataset = self._call("GetDataset", slugs, what=f"dataset {ref.repo_id!r}")
        metadata = self._call("GetDatasetMetadata", slugs, what=f"the metadata of {ref.repo_id!r}")
        info = metadata.get("info") or metadata
        licenses = [lic.get("name") for lic in info.get("licenses") or [] if isinstance(lic, dict)]
        description = info.get("description") or dataset.get("description")
        return Snapshot(
            source=ref,
            page_url=page_url,
            revision=str(dataset.get("currentVersionNumber") or "") or None,
            readme=description[:README_MAX_BYTES] if isinstance(description, str) else None,
            license=next((name for name in licenses if name), dataset.get("licenseName")),
            tags=[str(k) for k in info.get("keywords") or []],
            files=self._files(ref, slugs),
            stats={
                "downloads": dataset.get("downloadCount"),
                "votes": dataset.get("voteCount"),
                "usability": dataset.get("usabilityRating"),
                "last_updated": dataset.get("lastUpdated"),
            },
            details={
                "title": dataset.get("title"),
                "subtitle": dataset.get("subtitle"),
                "total_bytes": dataset.get("totalBytes"),
            },
        )

    def _files(self, ref: SourceRef, slugs: dict[str, Any]) -> list[RemoteFile]:
        files: list[RemoteFile] = []
        token: str | None = None
        for _ in range(MAX_FILE_PAGES):
            page = self._call(
                "ListDatasetFiles",
                slugs | {"pageSize": 200} | ({"pageToken": token} if token else {}),
                what=f"the files of {ref.repo_id!r}",
            )
            files += [
                RemoteFile(path=str(f["name"]), size=int(f.get("totalBytes") or 0))
                for f in page.get("datasetFiles") or []
                if f.get("name")
            ]
            token = page.get("nextPageToken")
            if not token:
                break
        return keep_safe(files, "path", source=ref.key)

    def _call(self, method: str, body: dict[str, Any], *, what: str) -> Any:
        assert self._http is not None
        try:
            response = self._http.post(f"/datasets.DatasetApiService/{method}", json=body)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"Kaggle did not answer for {what}: {exc}") from exc
        _raise_for_status(response, what)
        try:
            body = response.json()
        except ValueError as exc:
            raise UpstreamError(f"Kaggle answered {what} with something other than JSON.") from exc
        if not isinstance(body, dict):
            raise UpstreamError(f"Kaggle answered {what} with an unexpected shape.")
        return body

    @contextmanager
    def open_file(self, snapshot: Snapshot, path: str) -> Iterator[Iterator[bytes]]:
        """Stream one dataset file from Kaggle."""
        if self._http is None:
            raise UpstreamError(f"{REFERENCE_REASON} ({path!r} of {snapshot.source.repo_id!r})")
        body = _slugs(snapshot.source) | {"fileName": path}
        what = f"file {path!r} of {snapshot.source.repo_id!r}"
        with stream_checked(
            self._http,
            "POST",
            "/datasets.DatasetApiService/DownloadDataset",
            upstream="Kaggle",
            sending=repr(path),
            check=lambda response: _raise_for_status(response, what),
            json=body,
        ) as chunks:
            yield chunks

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, FileStream]]:
        """Every listed file, one download each."""
        for remote in snapshot.files:
            yield remote, self.open_file(snapshot, remote.path)


def _slugs(ref: SourceRef) -> dict[str, Any]:
    owner, slug = ref.repo_id.split("/", 1)
    return {"ownerSlug": owner, "datasetSlug": slug}


def _raise_for_status(response: httpx.Response, what: str) -> None:
    def refused(failed: httpx.Response) -> None:
        if failed.status_code in {401, 403}:
            raise UpstreamError(
                f"Kaggle refused the configured credentials for {what} ({failed.status_code})."
            )

    raise_for_status(response, upstream="Kaggle", what=what, special=refused)
