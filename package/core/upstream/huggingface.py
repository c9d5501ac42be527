"""Hugging Face Hub adapter: metadata through `huggingface_hub`, file bytes through its resolve URLs."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, closing, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

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

from package.core.errors import NotFound, RegistryError, UpstreamError, UpstreamGated
from package.core.upstream.http import raise_for_status, stream_resumable
from package.core.upstream.paths import keep_safe
from package.core.upstream.retry import TRANSIENT_STATUSES, TransientUpstreamError, with_retries
from package.core.upstream.snapshot import README_MAX_BYTES, SMALL_JSON_MAX_BYTES, RemoteFile, Snapshot
from package.core.upstream.sources import SourceKind, SourceRef
from package.core.values import string_list

logger = logging.getLogger("registry.upstream.hf")

_GITHUB_LINK = re.compile(r"https?://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
_SMALL_JSON_FILES = ("config.json", "adapter_config.json", "model_index.json")
HUB_COMMITS_MAX = 300  # newest commits captured at ingest
HUB_COMMITS_PAGE = 100  # commits asked per request (the Hub follows with Link rel="next")
HUB_COMMIT_TITLE_MAX = 120


@dataclass(frozen=True)
class CommitHistory:
    """The newest commits of a Hub repository, compact: [{"authors": [user, ...], "date": ISO, "title"}]."""

    commits: list[dict[str, Any]] = field(default_factory=list)
    total: int | None = None  # the Hub's X-Total-Count
    note: str | None = None  # why the list stops short of `total` (bound, time budget, a page that failed)

    def to_details(self) -> dict[str, Any]:
        """The snapshot.details entries of this history."""
        extra = {"hub_commits_note": self.note} if self.note else {}
        return {"hub_commits": self.commits, "hub_commits_total": self.total, **extra}


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
        info = with_retries(lambda: self._repo_info(ref, what))
        files = keep_safe([_remote_file(s) for s in (info.siblings or [])], "path", source=ref.key)
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
                "canonical_id": info.id,  # the Hub's own id after its redirects (legacy and renamed ids)
                "library_name": getattr(info, "library_name", None),
                "pipeline_tag": getattr(info, "pipeline_tag", None),
                "config": _plain(getattr(info, "config", None)),
                "used_storage": getattr(info, "used_storage", None),
            },
        )
        paths = {f.path for f in files}
        readme_path = next((p for p in ("README.md", "readme.md", "README") if p in paths), None)
        # The commit history is read while the README and configs are: it adds no wait of its own.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hf-history") as pool:
            history = pool.submit(self._history_details, ref, info.id or ref.repo_id, info.sha)
            if readme_path:
                snapshot.readme = self._read_text(snapshot, readme_path, README_MAX_BYTES)
            for name in _SMALL_JSON_FILES:
                if name in paths:
                    snapshot.details[name.replace(".", "_")] = self._read_json(snapshot, name)
            snapshot.details.update(history.result())
        snapshot.linked = _links(card_data, tags, snapshot.readme)
        return snapshot

    def _history_details(self, ref: SourceRef, repo_id: str, revision: str | None) -> dict[str, Any]:
        """The snapshot.details entries of the commit history; a failure only records why (ingest goes on)."""
        try:
            return self.commit_history(ref, repo_id=repo_id, revision=revision).to_details()
        except RegistryError as exc:
            logger.info("no commit history for %s: %s", repo_id, exc.message)
            return {"hub_commits": None, "hub_commits_error": exc.message}

    def commit_history(
        self, ref: SourceRef, *, repo_id: str | None = None, revision: str | None = None
    ) -> CommitHistory:
        """The repository's newest commits (at most HUB_COMMITS_MAX, HUB_COMMITS_PAGE per request), read
        within the adapter's timeout in total.

        NotFound when the Hub does not know the repository or revision, UpstreamError when the first page
        cannot be read; a later page that fails, or the time budget, ends the list early (`note` says why).
        """
        kind = "datasets" if ref.kind is SourceKind.HF_DATASET else "models"
        repo_id = repo_id or ref.repo_id
        rev = quote(revision or ref.revision or "main", safe="")
        url: str | None = f"{self._endpoint}/api/{kind}/{repo_id}/commits/{rev}"
        params: dict[str, str] | None = {"limit": str(HUB_COMMITS_PAGE)}
        headers = build_hf_headers(token=self._token)
        deadline = time.monotonic() + self._timeout
        commits: list[dict[str, Any]] = []
        total: int | None = None
        note: str | None = None
        what = f"the commit history of {repo_id!r}"
        while url is not None and len(commits) < HUB_COMMITS_MAX:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note = f"stopped after {len(commits)} commits: the {self._timeout:g} s time budget is spent"
                break
            try:
                response = self._get_page(url, params, headers, remaining, what)
                page = _listing(response, what)
            except UpstreamError as exc:
                if not commits:
                    raise
                note = f"stopped after {len(commits)} commits: {exc.message}"
                break
            if total is None:
                total = _int_or_none(response.headers.get("X-Total-Count"))
            commits += [_compact_commit(item) for item in page if isinstance(item, dict)]
            url, params = response.links.get("next", {}).get("url"), None
            if url is not None and not self._on_endpoint(url):
                # Our token goes only to the configured Hub; a `next` link elsewhere ends the listing.
                note = f"stopped after {len(commits)} commits: the next page is on another host"
                break
        if url is not None and note is None:
            note = f"the newest {HUB_COMMITS_MAX} commits were read" + (f" of {total}" if total else "")
        return CommitHistory(commits[:HUB_COMMITS_MAX], total, note)

    def _repo_info(self, ref: SourceRef, what: str) -> Any:
        """The Hub's info of the repository; transient failures raise TransientUpstreamError."""
        try:
            if ref.kind is SourceKind.HF_DATASET:
                return self._api.dataset_info(
                    ref.repo_id, revision=ref.revision, files_metadata=True, timeout=self._timeout
                )
            return self._api.model_info(
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
            message = f"Hugging Face did not answer for {what} {ref.repo_id!r}: {exc}"
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status is None or status in TRANSIENT_STATUSES:  # no answer at all, or a passing one
                raise TransientUpstreamError(message) from exc
            raise UpstreamError(message) from exc

    def _on_endpoint(self, url: str) -> bool:
        """Whether an absolute URL is on the configured Hub (same scheme, host and port)."""
        mine, theirs = httpx.URL(self._endpoint), httpx.URL(url)
        return (theirs.scheme, theirs.host, theirs.port) == (mine.scheme, mine.host, mine.port)

    def _get_page(
        self, url: str, params: dict[str, str] | None, headers: dict[str, str], timeout: float, what: str
    ) -> httpx.Response:
        try:
            return self._http.get(url, params=params, headers=headers, timeout=timeout)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"Hugging Face did not answer for {what}: {exc}") from exc

    def _file_url(self, snapshot: Snapshot, path: str) -> str:
        repo_type = "dataset" if snapshot.source.kind is SourceKind.HF_DATASET else "model"
        return hf_hub_url(
            snapshot.source.repo_id,
            path,
            repo_type=repo_type,
            revision=snapshot.revision or snapshot.source.revision,
            endpoint=self._endpoint,
        )

    def open_file(self, snapshot: Snapshot, path: str) -> AbstractContextManager[Iterator[bytes]]:
        """Stream one file's bytes from the Hub (following its CDN redirects; a cut transfer is resumed)."""
        return self._open(snapshot, path, next((f for f in snapshot.files if f.path == path), None))

    @contextmanager
    def _open(self, snapshot: Snapshot, path: str, remote: RemoteFile | None) -> Iterator[Iterator[bytes]]:
        chunks = stream_resumable(
            self._http,
            self._file_url(snapshot, path),
            upstream="Hugging Face",
            sending=f"{path!r} of {snapshot.source.repo_id!r}",
            check=lambda response: _raise_for_file(response, snapshot, path),
            size=remote.size if remote is not None else None,
            sha256=remote.sha256 if remote is not None else None,
            headers=build_hf_headers(token=self._token),
        )
        with closing(chunks):  # a reader that stops early closes the upstream response
            yield chunks

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, Any]]:
        """Every manifest file with a stream of its bytes."""
        for remote in snapshot.files:
            yield remote, self._open(snapshot, remote.path, remote)

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
    repo = snapshot.source.repo_id
    missing = f"File {path!r} of {repo!r} was not found on Hugging Face."

    def gated_or_missing(failed: httpx.Response) -> None:
        error_code = failed.headers.get("X-Error-Code", "")
        if error_code == "GatedRepo" or (failed.status_code in {401, 403} and snapshot.gated):
            raise UpstreamGated(
                f"{repo!r} is a gated repository on Hugging Face: its files need a token with "
                "access (set HF_TOKEN to one that has accepted the repository's conditions)."
            )
        if error_code in {"EntryNotFound", "RepoNotFound"}:
            raise NotFound(missing)

    raise_for_status(
        response,
        upstream="Hugging Face",
        what=f"{path!r} of {repo!r}",
        not_found=missing,
        special=gated_or_missing,
    )


def _listing(response: httpx.Response, what: str) -> list[Any]:
    if response.status_code in {401, 404}:
        raise NotFound(
            f"Hugging Face does not know {what} ({response.headers.get('X-Error-Code', 'not found')})."
        )
    if response.status_code >= 400:
        raise UpstreamError(f"Hugging Face answered {response.status_code} for {what}.")
    try:
        body = response.json()
    except ValueError as exc:
        raise UpstreamError(f"Hugging Face sent {what} as something other than JSON.") from exc
    if not isinstance(body, list):
        raise UpstreamError(f"Hugging Face sent {what} as something other than a list.")
    return body


def _compact_commit(item: dict[str, Any]) -> dict[str, Any]:
    authors = [str(a["user"]) for a in item.get("authors") or [] if isinstance(a, dict) and a.get("user")]
    title = str(item.get("title") or "").split("\n", 1)[0][:HUB_COMMIT_TITLE_MAX]
    return {"authors": authors, "date": str(item["date"]) if item.get("date") else None, "title": title}


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


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


def _links(card_data: dict[str, Any], tags: list[str], readme: str | None) -> dict[str, list[str]]:
    base = string_list(card_data.get("base_model"))
    base += [t.split(":")[-1] for t in tags if t.startswith("base_model:")]
    datasets = string_list(card_data.get("datasets"))
    datasets += [t.split(":", 1)[1] for t in tags if t.startswith("dataset:")]
    code = [f"https://github.com/{o}/{r.removesuffix('.git')}" for o, r in _GITHUB_LINK.findall(readme or "")]
    return {"base_models": _unique(base), "datasets": _unique(datasets), "code": _unique(code)}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _page_url(endpoint: str, ref: SourceRef) -> str:
    prefix = "datasets/" if ref.kind is SourceKind.HF_DATASET else ""
    return f"{endpoint}/{prefix}{ref.repo_id}"
