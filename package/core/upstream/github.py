"""GitHub adapter: repository metadata through the REST API, file bytes through raw contents and zipballs."""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx

from package.core.errors import NotFound, UpstreamError
from package.core.upstream.http import CHUNK_BYTES, raise_for_status, stream_checked
from package.core.upstream.paths import keep_safe
from package.core.upstream.retry import TRANSIENT_STATUSES, TransientUpstreamError, with_retries
from package.core.upstream.snapshot import README_MAX_BYTES, FileStream, RemoteFile, Snapshot
from package.core.upstream.sources import SourceRef

logger = logging.getLogger("registry.upstream.github")

RAW = "application/vnd.github.raw"
# Marks a request that may be redirected to another host (the archive's codeload), without our token.
OTHER_HOSTS_ALLOWED = "registry.other_hosts_allowed"


def is_api_path(path: str) -> bool:
    """Whether `path` stays an absolute path on the API host: no `.`/`..` segments, no scheme or query."""
    if not path.startswith("/") or path.startswith("//") or not path.isascii():
        return False
    if any(c in path for c in "\\?#") or "%2e" in path.lower():
        return False
    if any(ord(c) <= 32 or ord(c) == 127 for c in path):
        return False
    return all(segment not in {".", ".."} for segment in path.split("/")[1:])


class GitHubAdapter:
    """SourceAdapter for GitHub repositories and sub-folders of them."""

    def __init__(self, *, api_url: str, token: str | None, timeout: float) -> None:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "trustworthy-model-registry",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._api = httpx.URL(api_url)
        # Redirects are followed (a renamed repository answers 301 to /repositories/<id>), but only on the
        # API host: elsewhere they must not see our token, nor pass another server's answer off as GitHub's.
        self._http = httpx.Client(
            base_url=api_url,
            headers=headers,
            follow_redirects=True,
            timeout=httpx.Timeout(timeout, read=max(timeout, 60.0)),
            event_hooks={"request": [self._stay_on_api_host]},
        )

    def _stay_on_api_host(self, request: httpx.Request) -> None:
        """Refuse a request (a redirect's next hop) to another host than the API's, unless marked allowed."""
        mine, theirs = self._api, request.url
        if (theirs.scheme, theirs.host, theirs.port) == (mine.scheme, mine.host, mine.port):
            return
        if request.extensions.get(OTHER_HOSTS_ALLOWED) and "Authorization" not in request.headers:
            return
        raise UpstreamError(f"GitHub redirected to another host ({theirs.host}): not followed.")

    def get_json(self, path: str, *, params: dict[str, Any] | None = None, what: str) -> Any:
        """GET one API resource; 404 becomes NotFound, failures and rate limits UpstreamError."""
        if not is_api_path(path):
            # A README link github.com/../user would otherwise reach {GITHUB_API_URL}/user with our token.
            raise NotFound(f"{path[:200]!r} is not a GitHub API path the registry reads.")
        return with_retries(lambda: self._get_json_once(path, params, what))

    def _get_json_once(self, path: str, params: dict[str, Any] | None, what: str) -> Any:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise TransientUpstreamError(f"GitHub did not answer for {what}: {exc}") from exc
        _raise_for_status(response, what)
        try:
            return response.json()
        except ValueError as exc:  # a cut-off or garbled body: worth another try
            raise TransientUpstreamError(f"GitHub answered {what} with something other than JSON.") from exc

    def snapshot(self, ref: SourceRef) -> Snapshot:
        """Fetch the repository, its README, license, file tree, contributors and recent commits."""
        owner_repo = ref.repo_id
        repo = _object(self.get_json(f"/repos/{owner_repo}", what=f"repository {owner_repo!r}"), "repository")
        ref_name = ref.revision or repo.get("default_branch") or "main"
        tree = _object(
            self.get_json(
                f"/repos/{owner_repo}/git/trees/{quote(ref_name, safe='')}",
                params={"recursive": "1"},
                what=f"the files of {owner_repo!r} at {ref_name!r}",
            ),
            "file tree",
        )
        files = keep_safe(_files_under(tree.get("tree", []), ref.subpath), "path", source=ref.key)
        if ref.subpath and not files:
            raise NotFound(
                f"Folder {ref.subpath!r} was not found in GitHub repository {owner_repo!r} at {ref_name!r}."
            )
        license_info = repo.get("license") or {}
        spdx = license_info.get("spdx_id")
        snapshot = Snapshot(
            source=ref,
            page_url=repo.get("html_url") or f"https://github.com/{owner_repo}",
            revision=ref_name,
            readme=self._readme(owner_repo, ref_name, ref.subpath),
            license=spdx if spdx and spdx != "NOASSERTION" else (license_info.get("key") or None),
            tags=list(repo.get("topics") or []),
            files=files,
            stats={
                "stars": repo.get("stargazers_count"),
                "forks": repo.get("forks_count"),
                "open_issues": repo.get("open_issues_count"),
                "watchers": repo.get("watchers_count"),
                "pushed_at": repo.get("pushed_at"),
                "created_at": repo.get("created_at"),
                "archived": repo.get("archived"),
                "language": repo.get("language"),
            },
            details={
                "canonical_id": repo.get("full_name"),  # the repository's current owner/name (renames, case)
                "description": repo.get("description"),
                "default_branch": repo.get("default_branch"),
                "tree_sha": tree.get("sha"),
                "tree_truncated": bool(tree.get("truncated")),
                "contributors": self._optional_list(f"/repos/{owner_repo}/contributors", "contributors"),
                "commits": self._optional_list(f"/repos/{owner_repo}/commits", "commits", sha=ref_name),
            },
        )
        return snapshot

    def _optional_list(self, path: str, what: str, **params: str) -> list[Any]:
        try:
            value = self.get_json(path, params={"per_page": "100", **params}, what=what)
        except NotFound:
            return []
        return value if isinstance(value, list) else []

    def _readme(self, owner_repo: str, ref_name: str, subpath: str) -> str | None:
        path = f"/repos/{owner_repo}/readme" + (f"/{quote(subpath)}" if subpath else "")
        try:
            response = self._http.get(path, params={"ref": ref_name}, headers={"Accept": RAW})
        except httpx.HTTPError as exc:
            raise UpstreamError(f"GitHub did not answer for the README of {owner_repo!r}: {exc}") from exc
        if response.status_code == 404:
            return None
        _raise_for_status(response, f"the README of {owner_repo!r}")
        return response.content[:README_MAX_BYTES].decode("utf-8", errors="replace")

    @contextmanager
    def open_file(self, snapshot: Snapshot, path: str) -> Iterator[Iterator[bytes]]:
        """Stream one file's raw bytes through the contents API."""
        source = snapshot.source
        full = f"{source.subpath}/{path}" if source.subpath else path
        url = f"/repos/{source.repo_id}/contents/{quote(full)}"
        with stream_checked(
            self._http,
            "GET",
            url,
            upstream="GitHub",
            sending=f"{path!r} of {source.repo_id!r}",
            check=lambda response: _raise_for_status(response, f"file {path!r} of {source.repo_id!r}"),
            params={"ref": snapshot.revision or ""},
            headers={"Accept": RAW},
        ) as chunks:
            yield chunks

    def iter_files(self, snapshot: Snapshot) -> Iterator[tuple[RemoteFile, FileStream]]:
        """Every manifest file, read from one zipball download (one API call for the whole repository)."""
        source = snapshot.source
        with tempfile.TemporaryFile() as spool:
            try:
                with self._http.stream(
                    "GET",
                    f"/repos/{source.repo_id}/zipball/{quote(snapshot.revision or '', safe='')}",
                    extensions={OTHER_HOSTS_ALLOWED: True},  # api.github.com -> codeload.github.com
                ) as r:
                    if r.status_code >= 400:
                        r.read()
                    _raise_for_status(r, f"the archive of {source.repo_id!r}")
                    for chunk in r.iter_bytes(CHUNK_BYTES):
                        spool.write(chunk)
            except httpx.HTTPError as exc:
                raise UpstreamError(
                    f"GitHub failed while sending the archive of {source.repo_id!r}: {exc}"
                ) from exc
            spool.seek(0)
            try:
                archive = zipfile.ZipFile(spool)
            except zipfile.BadZipFile as exc:
                raise UpstreamError(f"GitHub's archive of {source.repo_id!r} is not a zip file.") from exc
            with archive:
                members = _archive_members(archive, source.subpath)
                for remote in snapshot.files:
                    member = members.get(remote.path)
                    if member is None:
                        raise UpstreamError(f"GitHub's archive of {source.repo_id!r} lacks {remote.path!r}.")
                    yield remote, _member_stream(archive, member)


@contextmanager
def _member_stream(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[Iterator[bytes]]:
    with archive.open(member) as handle:
        yield iter(lambda: handle.read(CHUNK_BYTES), b"")


def _archive_members(archive: zipfile.ZipFile, subpath: str) -> dict[str, zipfile.ZipInfo]:
    """Archive entries by path relative to the artifact root (dropping codeload's top folder)."""
    members: dict[str, zipfile.ZipInfo] = {}
    prefix = f"{subpath}/" if subpath else ""
    for info in archive.infolist():
        if info.is_dir() or "/" not in info.filename:
            continue
        relative = info.filename.split("/", 1)[1]
        if relative.startswith(prefix):
            members[relative[len(prefix) :]] = info
    return members


def _files_under(tree: list[dict[str, Any]], subpath: str) -> list[RemoteFile]:
    prefix = f"{subpath}/" if subpath else ""
    files = []
    for entry in tree:
        path = entry.get("path", "")
        if entry.get("type") == "blob" and path.startswith(prefix):
            files.append(
                RemoteFile(path=path[len(prefix) :], size=int(entry.get("size") or 0), etag=entry.get("sha"))
            )
    return files


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UpstreamError(f"GitHub answered the {what} with an unexpected shape.")
    return value


def _raise_for_status(response: httpx.Response, what: str) -> None:
    def special(failed: httpx.Response) -> None:
        remaining = failed.headers.get("X-RateLimit-Remaining")
        if failed.status_code in {403, 429} and (remaining == "0" or "rate limit" in failed.text.lower()):
            reset = failed.headers.get("X-RateLimit-Reset", "unknown")
            raise UpstreamError(
                f"GitHub's API rate limit is exhausted (resets at epoch {reset}); set GITHUB_TOKEN "
                f"for a higher limit. While reading {what}."
            )
        if failed.status_code in TRANSIENT_STATUSES:  # retried by with_retries
            raise TransientUpstreamError(f"GitHub answered {failed.status_code} for {what}.")

    raise_for_status(response, upstream="GitHub", what=what, special=special)
