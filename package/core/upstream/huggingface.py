"""Hugging Face Hub adapter: metadata through `huggingface_hub`, file bytes through its resolve URLs."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import httpx2
from huggingface_hub import HfApi, hf_hub_url
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]  # public, not re-exported

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.snapshot import README_MAX_BYTES, SMALL_JSON_MAX_BYTES, RemoteFile, Snapshot
from package.core.upstream.sources import SourceKind, SourceRef

logger = logging.getLogger("registry.upstream.hf")

CHUNK_BYTES = 1024 * 1024
_GITHUB_LINK = re.compile(r"https?://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
_SMALL_JSON_FILES = ("config.json", "adapter_config.json", "model_index.json")


class UpstreamGated(UpstreamError):
    """The repository's files are behind a gate the configured token does not open."""

    code = "upstream_gated"


class HuggingFaceAdapter:
    """SourceAdapter for Hugging Face models and datasets."""

    def __init__(self, *, endpoint: str, token: str | None, timeout: float) -> None:
        self._endpoint = endpoint
        self._token = token
        self._timeout = timeout
        self._api = HfApi(endpoint=endpoint, token=token)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, read=max(timeout, 60.0)), follow_redirects=True
        )

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """Fetch the repository's info (with file metadata), README and small JSON configs."""
        what = "dataset" if ref.kind is SourceKind.HF_DATASET else "model"
        try:
            if ref.kind is SourceKind.HF_DATASET:
                info: Any = self._api.dataset_info(
                    ref.repo_id, revision=ref.revision, files_metadata=True, timeout=self._timeout
                )
            else:
                info = self._api.model_info(
                    ref.repo_id, revision=ref.revision, files_metadata=True, timeout=self._timeout
                )
        except RevisionNotFoundError as exc:
            raise NotFound(f"Hugging Face {what} {ref.repo_id!r} has no revision {ref.revision!r}.") from exc
        except RepositoryNotFoundError as exc:
            if isinstance(exc, GatedRepoError):
                raise UpstreamGated(
                    f"Hugging Face {what} {ref.repo_id!r} is gated and its metadata is not public."
                ) from exc
            raise NotFound(f"Hugging Face {what} {ref.repo_id!r} was not found upstream.") from exc
        except (HfHubHTTPError, httpx2.HTTPError, OSError) as exc:
            raise UpstreamError(f"Hugging Face did not answer for {what} {ref.repo_id!r}: {exc}") from exc
        files = [_remote_file(s) for s in (info.siblings or [])]
        card_data = _plain(info.card_data)
        tags = list(info.tags or [])
        snapshot = Snapshot(
            source=ref,
            page_url=_page_url(self._endpoint, ref),
            revision=info.sha,
            license=_license(card_data, tags),
            tags=tags,
            card_data=card_data,
            files=files,
            gated=info.gated if isinstance(info.gated, str) else None,
            stats={
                "downloads": info.downloads,
                "likes": info.likes,
                "last_modified": _iso(info.last_modified),
                "created_at": _iso(info.created_at),
                "author": info.author,
            },
            details={
                "library_name": getattr(info, "library_name", None),
                "pipeline_tag": getattr(info, "pipeline_tag", None),
                "config": _plain(getattr(info, "config", None)),
                "used_storage": getattr(info, "used_storage", None),
            },
        )
        paths = {f.path for f in files}
        readme_path = next((p for p in ("README.md", "readme.md", "README") if p in paths), None)
        if readme_path:
            snapshot.readme = self._read_text(snapshot, readme_path, README_MAX_BYTES)
        for name in _SMALL_JSON_FILES:
            if name in paths:
                snapshot.details[name.replace(".", "_")] = self._read_json(snapshot, name)
        snapshot.linked = _links(card_data, tags, snapshot.readme)
        return snapshot

    def _file_url(self, snapshot: Snapshot, path: str) -> str:
        repo_type = "dataset" if snapshot.source.kind is SourceKind.HF_DATASET else "model"
        return hf_hub_url(
            snapshot.source.repo_id,
            path,
            repo_type=repo_type,
            revision=snapshot.revision or snapshot.source.revision,
            endpoint=self._endpoint,
        )

    @contextmanager
    def open_file(self, snapshot: Snapshot, path: str) -> Iterator[Iterator[bytes]]:
        """Stream one file's bytes from the Hub (following its CDN redirects)."""
        headers = build_hf_headers(token=self._token)
        try:
            with self._http.stream("GET", self._file_url(snapshot, path), headers=headers) as response:
                _raise_for_file(response, snapshot, path)
                yield response.iter_bytes(CHUNK_BYTES)
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"Hugging Face failed while sending {path!r} of {snapshot.source.repo_id!r}: {exc}"
            ) from exc

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, Any]]:
        """Every manifest file with a stream of its bytes."""
        for remote in snapshot.files:
            yield remote, self.open_file(snapshot, remote.path)

    def _read_text(self, snapshot: Snapshot, path: str, limit: int) -> str | None:
        try:
            with self.open_file(snapshot, path) as chunks:
                data = bytearray()
                for chunk in chunks:
                    data += chunk
                    if len(data) >= limit:
                        break
        except (UpstreamError, NotFound) as exc:
            logger.info("could not read %s of %s: %s", path, snapshot.source.repo_id, exc)
            return None
        return bytes(data[:limit]).decode("utf-8", errors="replace")

    def _read_json(self, snapshot: Snapshot, path: str) -> Any:
        text = self._read_text(snapshot, path, SMALL_JSON_MAX_BYTES)
        if text is None:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return {"_unparsable": True}


def _raise_for_file(response: httpx.Response, snapshot: Snapshot, path: str) -> None:
    if response.status_code < 400:
        return
    error_code = response.headers.get("X-Error-Code", "")
    repo = snapshot.source.repo_id
    if error_code == "GatedRepo" or (response.status_code in {401, 403} and snapshot.gated):
        raise UpstreamGated(
            f"{repo!r} is a gated repository on Hugging Face: its files need a token with "
            "access (set HF_TOKEN to one that has accepted the repository's conditions)."
        )
    if response.status_code == 404 or error_code in {"EntryNotFound", "RepoNotFound"}:
        raise NotFound(f"File {path!r} of {repo!r} was not found on Hugging Face.")
    raise UpstreamError(f"Hugging Face answered {response.status_code} for {path!r} of {repo!r}.")


def _remote_file(sibling: Any) -> RemoteFile:
    lfs = getattr(sibling, "lfs", None)
    sha256 = getattr(lfs, "sha256", None) if lfs is not None else None
    size = getattr(sibling, "size", None)
    if size is None and lfs is not None:
        size = getattr(lfs, "size", None)
    return RemoteFile(
        path=sibling.rfilename, size=int(size or 0), sha256=sha256, etag=getattr(sibling, "blob_id", None)
    )


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if not isinstance(value, dict):
        return {}
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (str(value) if value else None)


def _license(card_data: dict[str, Any], tags: list[str]) -> str | None:
    value = card_data.get("license")
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str) and value:
        if value == "other" and card_data.get("license_name"):
            return str(card_data["license_name"])
        return value
    return next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _links(card_data: dict[str, Any], tags: list[str], readme: str | None) -> dict[str, list[str]]:
    base = _as_list(card_data.get("base_model"))
    base += [t.split(":")[-1] for t in tags if t.startswith("base_model:")]
    datasets = _as_list(card_data.get("datasets"))
    datasets += [t.split(":", 1)[1] for t in tags if t.startswith("dataset:")]
    code = [f"https://github.com/{o}/{r.removesuffix('.git')}" for o, r in _GITHUB_LINK.findall(readme or "")]
    return {"base_models": _unique(base), "datasets": _unique(datasets), "code": _unique(code)}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _page_url(endpoint: str, ref: SourceRef) -> str:
    prefix = "datasets/" if ref.kind is SourceKind.HF_DATASET else ""
    return f"{endpoint}/{prefix}{ref.repo_id}"
