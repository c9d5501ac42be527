"""A download's plan and its DOWNLOAD audit entry (`services.download` once the artifact is loaded)."""

from __future__ import annotations

from package.core.auth_middleware import Principal
from package.core.config import Settings
from package.core.storage import Storage
from package.core.upstream.clients import Upstreams
from package.routers.artifacts import audit, downloads, versions
from package.routers.artifacts.downloads import DownloadPlan
from package.routers.artifacts.interface import ArtifactRecord, AuditAction


def download_record(
    storage: Storage,
    upstreams: Upstreams,
    settings: Settings,
    *,
    record: ArtifactRecord,
    path: str | None,
    principal: Principal,
    version: int | None = None,
) -> DownloadPlan:
    """`download` of an artifact already loaded (`version`: an earlier version's bundle, while it is kept)."""
    if version is not None and version != versions.history(storage, record)[-1].number:
        plan: DownloadPlan = versions.bundle_plan(storage, record, version)
    elif path is None:
        plan = downloads.plan_bundle(storage, upstreams, settings, record)
    else:
        plan = downloads.plan_file(storage, upstreams, settings, record, path)
    return _audited(storage, record, principal, plan)


def download_stored(storage: Storage, *, record: ArtifactRecord, principal: Principal) -> DownloadPlan | None:
    """The current bundle's plan when it needs no upstream (a stored blob, a redirect), audited; None, with
    nothing recorded, when it would stream from upstream (`download_record` then, which applies the download
    guards again). Reads the blob store and the records only: quick where both are local."""
    plan = downloads.plan_stored_bundle(storage, record)
    return None if plan is None else _audited(storage, record, principal, plan)


def _audited(
    storage: Storage, record: ArtifactRecord, principal: Principal, plan: DownloadPlan
) -> DownloadPlan:
    # Off the byte path: written with this process's next batch (core.write_behind), read back exactly.
    audit.record(storage, record=record, principal=principal, action=AuditAction.DOWNLOAD, later=True)
    return plan
