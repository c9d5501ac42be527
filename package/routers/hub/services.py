"""The hub domain's public face: registered Hugging Face repositories as the Hub's API shows them.

Only registered artifacts resolve: a repository is found among the artifacts registered from Hugging Face
(`artifacts` services), at the revision captured at ingest. With REGISTRY_HUB_PULL_THROUGH an unknown
repository is registered at first request, through the same `register` every ingest uses, so the same
gates apply (REGISTRY_INGEST_MIN_SCORE, and any gate another domain such as safety adds).
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime

from package.core.auth_middleware import Permission, Principal
from package.core.config import Settings
from package.core.errors import Conflict, FailedDependency, NotFound, RegistryError
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.sources import SourceKind
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import (
    ArtifactCreate,
    ArtifactDetails,
    ArtifactRecord,
    ArtifactType,
    SnapshotFile,
)
from package.routers.hub.config import HubSettings
from package.routers.hub.interface import (
    EntryNotFound,
    HubFile,
    LfsPointer,
    NotAllowed,
    RepoInfo,
    RepoKind,
    RepoNotFound,
    RevisionNotFound,
    Sibling,
    SiblingLfs,
    TreeEntry,
)

logger = logging.getLogger("registry.hub")

_SOURCE_KIND = {RepoKind.MODEL: SourceKind.HF_MODEL, RepoKind.DATASET: SourceKind.HF_DATASET}
_ARTIFACT_TYPE = {RepoKind.MODEL: ArtifactType.MODEL, RepoKind.DATASET: ArtifactType.DATASET}
_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_REPO_ID = re.compile(rf"^(?:{_PART}/)?{_PART}$")
DEFAULT_BRANCH = "main"
_HUB_PUBLIC_URL = "https://huggingface.co"


def valid_repo_id(repo_id: str) -> bool:
    """Whether `repo_id` is shaped like a Hub repository id (`name` or `owner/name`)."""
    return bool(_REPO_ID.match(repo_id)) and ".." not in repo_id and "--" not in repo_id


def find_record(storage: Storage, kind: RepoKind, repo_id: str) -> ArtifactRecord | None:
    """The artifact registered from this Hugging Face repository (ids compare case-insensitively)."""
    wanted = repo_id.lower()
    matches = [
        r
        for r in artifact_services.all_records(storage)
        if r.source_kind is _SOURCE_KIND[kind] and r.repo_id.lower() == wanted and not r.reference_only
    ]
    # A repository registered as its own type (a model as a model) wins over one filed under another type.
    matches.sort(key=lambda r: (r.type is not _ARTIFACT_TYPE[kind], r.created_at))
    return matches[0] if matches else None


def load_repo(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    hub_settings: HubSettings,
    *,
    kind: RepoKind,
    repo_id: str,
    principal: Principal,
    base_url: str,
) -> ArtifactDetails:
    """The registered repository; registered now when pull-through is on (for a caller who may download
    or upload: registering is more than reading); RepoNotFound otherwise."""
    if not valid_repo_id(repo_id):
        raise RepoNotFound(f"{repo_id!r} is not a repository id.")
    record = find_record(storage, kind, repo_id)
    may_pull = principal.may(Permission.DOWNLOAD) or principal.may(Permission.UPLOAD)
    if record is None and hub_settings.hub_pull_through and may_pull:
        record = _pull_through(
            storage, upstreams, settings, kind=kind, repo_id=repo_id, principal=principal, base_url=base_url
        )
    if record is None:
        raise RepoNotFound(
            f"The {kind.value} repository {repo_id!r} is not registered: only registered (rated, "
            "license-checked) artifacts resolve here. Register it with POST /artifact/"
            f"{_ARTIFACT_TYPE[kind].value}"
            + ("" if may_pull else " (pulling it through needs the 'download' or 'upload' permission)")
            + "."
        )
    return artifact_services.details(storage, record.id)


def _pull_through(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    kind: RepoKind,
    repo_id: str,
    principal: Principal,
    base_url: str,
) -> ArtifactRecord | None:
    prefix = "datasets/" if kind is RepoKind.DATASET else ""
    body = ArtifactCreate(url=f"{_HUB_PUBLIC_URL}/{prefix}{repo_id}")
    try:
        artifact_services.register(
            storage,
            upstreams,
            settings,
            artifact_type=_ARTIFACT_TYPE[kind],
            body=body,
            principal=principal,
            base_url=base_url,
        )
    except Conflict:
        pass  # registered meanwhile by another request: use that one
    except NotFound as exc:
        raise RepoNotFound(f"Hugging Face has no {kind.value} repository {repo_id!r}: {exc.message}") from exc
    except FailedDependency as exc:
        raise NotAllowed(f"The registry refused {repo_id!r} at registration: {exc.message}") from exc
    except RegistryError as exc:
        if 400 <= exc.status_code < 500:  # any other ingest gate's refusal (e.g. a safety policy)
            raise NotAllowed(f"The registry refused {repo_id!r} at registration: {exc.message}") from exc
        raise
    logger.info("pulled through", extra={"repo_id": repo_id, "kind": kind.value, "by": principal.name})
    record = find_record(storage, kind, repo_id)
    if record is None:  # stored hidden until its rating finishes (REGISTRY_ASYNC_RATING)
        raise RepoNotFound(f"{repo_id!r} was registered and is being rated; ask again in a moment.")
    return record


def hub_time(value: object) -> str | None:
    """A stored ISO time as the Hub writes times (`2024-02-19T11:06:12.000Z`), None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def commit_of(details: ArtifactDetails) -> str:
    """The commit the registry holds the repository at (what the Hub calls its sha)."""
    sha = details.snapshot.revision or details.record.revision
    if sha:
        return sha
    # No upstream sha was captured: a stable id of this registration stands in for it.
    return hashlib.sha1(f"{details.record.id}:{details.record.generation}".encode()).hexdigest()


def check_revision(details: ArtifactDetails, revision: str | None) -> str:
    """The commit for a requested revision: the default branch, the held commit or the registered ref."""
    commit = commit_of(details)
    known = {DEFAULT_BRANCH, commit, details.snapshot.source.revision or DEFAULT_BRANCH}
    if revision is None or revision in known:
        return commit
    raise RevisionNotFound(
        f"Invalid rev id: {revision}. The registry holds {details.record.repo_id!r} at {commit} only."
    )


def _files(details: ArtifactDetails) -> list[SnapshotFile]:
    return [f for f in details.snapshot.files if f.path]


def _etag(item: SnapshotFile, commit: str) -> str:
    content_id = item.sha256 or item.etag
    if content_id:
        return content_id
    # No content id was captured for this file: a stable id of (commit, path, size) keys client caches.
    return hashlib.sha1(f"{commit}\0{item.path}\0{item.size}".encode()).hexdigest()


def _blob_id(item: SnapshotFile, commit: str) -> str:
    return item.etag or _etag(item, commit)


def repo_info(details: ArtifactDetails, *, kind: RepoKind, revision: str | None) -> RepoInfo:
    """The repository's info as the Hub answers `GET /api/{models|datasets}/{id}[/revision/{rev}]`."""
    commit = check_revision(details, revision)
    stats = details.snapshot.stats
    extra = details.snapshot.details
    siblings = []
    for item in _files(details):
        lfs = SiblingLfs(sha256=item.sha256, size=item.size) if item.sha256 else None
        siblings.append(Sibling(rfilename=item.path, size=item.size, blobId=_blob_id(item, commit), lfs=lfs))
    repo_id = details.record.repo_id
    return RepoInfo(
        id=repo_id,
        modelId=repo_id if kind is RepoKind.MODEL else None,
        author=stats.get("author") or (repo_id.split("/", 1)[0] if "/" in repo_id else None),
        sha=commit,
        lastModified=hub_time(stats.get("last_modified")),
        createdAt=hub_time(stats.get("created_at")),
        gated=details.snapshot.gated or False,
        downloads=stats.get("downloads"),
        likes=stats.get("likes"),
        tags=list(details.snapshot.tags),
        pipeline_tag=extra.get("pipeline_tag"),
        library_name=extra.get("library_name"),
        cardData=details.snapshot.card_data or None,
        config=extra.get("config") or None,
        siblings=siblings,
    )


def _file_entry(item: SnapshotFile, commit: str) -> TreeEntry:
    lfs = LfsPointer(oid=item.sha256, size=item.size) if item.sha256 else None
    return TreeEntry(type="file", oid=_blob_id(item, commit), size=item.size, path=item.path, lfs=lfs)


def _folder_entry(path: str, commit: str) -> TreeEntry:
    # Folders have no content id of their own in a snapshot: a stable id of (commit, path) stands in.
    oid = hashlib.sha1(f"{commit}\0{path}/".encode()).hexdigest()
    return TreeEntry(type="directory", oid=oid, size=0, path=path)


def _folders(paths: list[str]) -> set[str]:
    return {"/".join(p.split("/")[:depth]) for p in paths for depth in range(1, p.count("/") + 1)}


def tree(details: ArtifactDetails, *, revision: str, path: str, recursive: bool) -> list[TreeEntry]:
    """The files and folders under `path` (every level when `recursive`), as the Hub's tree API lists them."""
    commit = check_revision(details, revision)
    base = path.strip("/")
    prefix = f"{base}/" if base else ""
    files = [f for f in _files(details) if f.path.startswith(prefix)]
    folders = {d for d in _folders([f.path for f in files]) if d.startswith(prefix) and d != base}
    if base and not files:
        raise EntryNotFound(
            f"{details.record.repo_id!r} has no folder {base!r}.", headers={"X-Repo-Commit": commit}
        )

    def shown(entry_path: str) -> bool:
        return recursive or "/" not in entry_path[len(prefix) :]

    entries = [_folder_entry(d, commit) for d in sorted(folders) if shown(d)]
    return entries + [_file_entry(f, commit) for f in files if shown(f.path)]


def paths_info(details: ArtifactDetails, *, revision: str, paths: list[str]) -> list[TreeEntry]:
    """The entries of the given paths that exist (files and folders), as the Hub's paths-info answers."""
    commit = check_revision(details, revision)
    by_path = {f.path: f for f in _files(details)}
    folders = _folders(list(by_path))
    found = []
    for wanted in dict.fromkeys(p.strip("/") for p in paths[:1000]):
        if wanted in by_path:
            found.append(_file_entry(by_path[wanted], commit))
        elif wanted in folders:
            found.append(_folder_entry(wanted, commit))
    return found


def file(details: ArtifactDetails, *, revision: str, path: str) -> HubFile:
    """One file's Hub identity (size, ETag, commit), or EntryNotFound (which names the commit)."""
    commit = check_revision(details, revision)
    item = next((f for f in _files(details) if f.path == path), None)
    if item is None:
        raise EntryNotFound(
            f"{details.record.repo_id!r} has no file {path!r} at {commit}.", headers={"X-Repo-Commit": commit}
        )
    return HubFile(
        artifact_id=details.record.id,
        path=path,
        size=item.size,
        etag=_etag(item, commit),
        commit=commit,
        lfs=bool(item.sha256),
    )


def open_file(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    details: ArtifactDetails,
    hub_file: HubFile,
    principal: Principal,
) -> artifact_services.DownloadPlan:
    """How to send the file: from the blob store once mirrored, else streamed through from upstream
    (filling the cache as downloads do); audited as a DOWNLOAD of the artifact."""
    return artifact_services.download(
        storage,
        upstreams,
        settings,
        artifact_type=details.record.type,
        artifact_id=details.record.id,
        path=hub_file.path,
        principal=principal,
    )
