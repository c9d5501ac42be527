"""The license domain's public face: normalise licenses; check a model against a GitHub project's license."""

from __future__ import annotations

import logging
import time
from typing import Any

from package.core.config import Settings
from package.core.errors import BadRequest, NotFound
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.core.upstream.sources import SourceKind, parse_source_url
from package.routers.artifacts import services as artifact_services
from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.license import database
from package.routers.license.compatibility import decide
from package.routers.license.config import LicenseSettings, get_license_settings
from package.routers.license.errors import GitHubProjectNotFound, NotAGitHubRepository
from package.routers.license.fitness import identifier_named_in as identifier_named_in
from package.routers.license.fitness import product_fit as product_fit
from package.routers.license.interface import (
    ArtifactLicense,
    LicenseCategory,
    LicenseCheckReport,
    LicenseInfo,
)
from package.routers.license.spdx import lookup

logger = logging.getLogger("registry.license")


def describe(declared: str | None) -> LicenseInfo:
    """A declared license identifier, normalised (SPDX id where one exists) and categorised."""
    known = lookup(declared)
    if known is None:
        return LicenseInfo(declared=declared, license_id=None, spdx=False, category=LicenseCategory.UNKNOWN)
    return LicenseInfo(
        declared=declared,
        license_id=known.license_id,
        spdx=known.spdx,
        name=known.name,
        category=known.category,
    )


def declared_license(storage: Storage, record: ArtifactRecord) -> str | None:
    """An artifact's license as its card or tags declare it (the ingest's reading, else a `license:` tag)."""
    if record.license:
        return record.license
    snapshot = artifact_services.details(storage, record.id).snapshot
    for tag in snapshot.tags:
        if tag.startswith("license:") and tag != "license:other":
            return tag.split(":", 1)[1]
    return None


def artifact_license(storage: Storage, *, artifact_type: ArtifactType, artifact_id: str) -> ArtifactLicense:
    """An artifact's normalised license, for people (docs and UI)."""
    return license_of(storage, artifact_services.load(storage, artifact_type, artifact_id))


def license_of(storage: Storage, record: ArtifactRecord) -> ArtifactLicense:
    """`artifact_license` of an artifact already loaded (e.g. by `CurrentArtifact`)."""
    return ArtifactLicense(artifact_id=record.id, license=describe(declared_license(storage, record)))


def github_repo_id(github_url: str) -> str:
    """The `owner/repo` a GitHub URL names; BadRequest for anything that is not a GitHub repository URL."""
    try:
        source = parse_source_url(github_url)
    except BadRequest as exc:
        raise NotAGitHubRepository(f"github_url must be a GitHub repository URL: {exc.message}") from exc
    if source.kind is not SourceKind.GITHUB:
        raise NotAGitHubRepository(
            "github_url must name a GitHub repository (https://github.com/<owner>/<repo>)."
        )
    return source.repo_id


def github_license(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    repo_id: str,
    *,
    license_settings: LicenseSettings | None = None,
) -> str | None:
    """A GitHub project's license (SPDX id, or GitHub's key when it has none); None when it declares none.

    NotFound for an unknown repository; UpstreamError when GitHub is down or rate-limits us.
    """
    cache_seconds = (license_settings or get_license_settings()).license_cache_seconds
    now = time.time()
    found, cached = database.cached_github_license(storage, repo_id, not_before=now - cache_seconds)
    if found and cache_seconds > 0:
        return cached
    repo: Any = upstreams.github().get_json(f"/repos/{repo_id}", what=f"GitHub repository {repo_id!r}")
    info = repo.get("license") if isinstance(repo, dict) else None
    license_id: str | None = None
    if isinstance(info, dict):
        spdx, key = info.get("spdx_id"), info.get("key")
        if isinstance(spdx, str) and spdx and spdx != "NOASSERTION":
            license_id = spdx
        elif isinstance(key, str) and key and key != "other":
            license_id = key
    database.cache_github_license(storage, repo_id, license_id, fetched_at=now)
    return license_id


def check(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    model_id: str,
    github_url: str,
    license_settings: LicenseSettings | None = None,
) -> LicenseCheckReport:
    """Whether the model may be fine-tuned with the GitHub project's code and then used, and why."""
    repo_id = github_repo_id(github_url)
    record = artifact_services.load(storage, ArtifactType.MODEL, model_id)
    try:
        code_license = github_license(
            storage, upstreams, settings, repo_id, license_settings=license_settings
        )
    except NotFound as exc:
        raise GitHubProjectNotFound(f"GitHub repository {repo_id} was not found.") from exc
    model_license = declared_license(storage, record)
    verdict = decide(model_license, code_license)
    logger.info(
        "license check",
        extra={
            "artifact_id": record.id,
            "github": repo_id,
            "model_license": model_license,
            "code_license": code_license,
            "compatible": verdict.compatible,
        },
    )
    return LicenseCheckReport(
        model=describe(model_license),
        code=describe(code_license),
        compatible=verdict.compatible,
        reason=verdict.reason,
    )
