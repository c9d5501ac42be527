"""HTTP routes of the artifacts domain: thin wrappers over `services`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Body, FastAPI, Query, Request, Response, status

from package.core.auth_middleware import CanDownload, CanSearch, CanUpload, IsAdmin, Principal
from package.core.config import SettingsDep
from package.core.errors import (
    BadRequest,
    FailedDependency,
    Forbidden,
    PreconditionFailed,
    RangeNotSatisfiable,
    UpstreamError,
    documented,
)
from package.core.storage import Store
from package.core.web import BaseUrl
from package.routers.artifacts import services
from package.routers.artifacts.audit import MAX_PAGE, AuditFilter
from package.routers.artifacts.dependencies import CurrentArtifact, Registry, RegistryDep
from package.routers.artifacts.download_asgi import install_fast_path
from package.routers.artifacts.download_route import DownloadRoute, match_downloads_first
from package.routers.artifacts.errors import ArtifactNotFound, DuplicateArtifact, TooManyMatches
from package.routers.artifacts.interface import (
    ARTIFACT_METADATA_LIST,
    Artifact,
    ArtifactAuditEntry,
    ArtifactCreate,
    ArtifactMetadata,
    ArtifactOverview,
    ArtifactQuery,
    ArtifactRecord,
    ArtifactRegEx,
    ArtifactType,
    ArtifactUpdate,
    ArtifactVersion,
    AuditLogAction,
    AuditLogEntry,
)
from package.routers.artifacts.responses import to_response

router = APIRouter(tags=["artifacts"])
READ_ERRORS = documented(BadRequest, Forbidden, ArtifactNotFound)
DOWNLOAD_ERRORS = documented(
    BadRequest, Forbidden, ArtifactNotFound, PreconditionFailed, RangeNotSatisfiable, UpstreamError
)
Endpoint = TypeVar("Endpoint", bound=Callable[..., Response])


# Literal paths come before `/artifact/{artifact_type}`, which would otherwise capture them.
@router.post(
    "/artifact/byRegEx",
    response_model=list[ArtifactMetadata],
    responses=READ_ERRORS,
    summary="Get any artifacts fitting the regular expression (BASELINE).",
)
def by_regex(body: ArtifactRegEx, storage: Store, settings: SettingsDep, _: CanSearch) -> Response:
    """Artifacts whose name or README matches the pattern."""
    found = services.by_regex(storage, settings, pattern=body.regex)
    # Encoded once here: the framework's response path would dump, validate again and encode every match
    # (16,627 for `bert` at 100,000), more than the search itself; the docs still show response_model.
    return Response(ARTIFACT_METADATA_LIST.dump_json(found), media_type="application/json")


@router.post(
    "/artifact/{artifact_type}",
    status_code=status.HTTP_201_CREATED,
    response_model=Artifact,
    response_model_exclude_none=True,
    responses=documented(
        BadRequest, Forbidden, ArtifactNotFound, DuplicateArtifact, FailedDependency, UpstreamError
    )
    | {202: {"description": "Stored; hidden (404) until its rating finishes (REGISTRY_ASYNC_RATING)."}},
    summary="Register a new artifact. (BASELINE)",
)
def create_artifact(
    artifact_type: ArtifactType, body: ArtifactCreate, response: Response, user: CanUpload, ctx: RegistryDep
) -> Artifact:
    """Register an artifact from a Hugging Face, GitHub or Kaggle URL."""
    artifact = services.register(
        ctx.storage,
        ctx.upstreams,
        ctx.settings,
        artifact_type=artifact_type,
        body=body,
        principal=user,
        base_url=ctx.base_url,
    )
    if ctx.settings.async_rating and artifact_type is ArtifactType.MODEL:
        response.status_code = status.HTTP_202_ACCEPTED  # stored hidden until rated (services.register)
    return artifact


@router.get(
    "/artifacts/{artifact_type}/{id}",
    response_model=Artifact,
    response_model_exclude_none=True,
    responses=READ_ERRORS,
    summary="Interact with the artifact with this id. (BASELINE)",
)
def get_artifact(_: CanSearch, artifact: CurrentArtifact, base_url: BaseUrl) -> Artifact:
    """Return this artifact."""
    return services.envelope(artifact, base_url)


@router.put(
    "/artifacts/{artifact_type}/{id}",
    response_model=Artifact,
    response_model_exclude_none=True,
    responses=documented(BadRequest, Forbidden, ArtifactNotFound, DuplicateArtifact, UpstreamError),
    summary="Update this content of the artifact. (BASELINE)",
)
def update_artifact(
    artifact_type: ArtifactType, id: str, body: ArtifactUpdate, user: CanUpload, ctx: RegistryDep
) -> Artifact:
    """Replace the artifact's source; the body's name and id must match."""
    return services.update(
        ctx.storage,
        ctx.upstreams,
        ctx.settings,
        artifact_type=artifact_type,
        artifact_id=id,
        body=body,
        principal=user,
        base_url=ctx.base_url,
    )


@router.delete(
    "/artifacts/{artifact_type}/{id}",
    responses=READ_ERRORS,
    summary="Delete this artifact. (NON-BASELINE)",
)
def delete_artifact(artifact_type: ArtifactType, id: str, storage: Store, user: CanUpload) -> dict[str, str]:
    """Delete only the artifact that matches the id (its owner or an admin; the audit log keeps who)."""
    services.delete(storage, artifact_type=artifact_type, artifact_id=id, principal=user)
    return {"deleted": id}


@router.post(
    "/artifacts",
    response_model=list[ArtifactMetadata],
    responses=documented(BadRequest, Forbidden, TooManyMatches),
    summary="Get the artifacts from the registry. (BASELINE)",
)
def list_artifacts(
    queries: Annotated[list[ArtifactQuery], Body()],
    response: Response,
    storage: Store,
    settings: SettingsDep,
    _: CanSearch,
    offset: Annotated[str | None, Query(description="Where the page starts.")] = None,
) -> list[ArtifactMetadata]:
    """Artifacts matching any query; '*' enumerates. The `offset` header names the next page."""
    page, next_offset = services.list_artifacts(storage, settings, queries=queries, offset=offset)
    if next_offset is not None:
        response.headers["offset"] = next_offset
    return page


@router.get(
    "/artifact/byName/{name}",
    response_model=list[ArtifactMetadata],
    responses=READ_ERRORS,
    summary="List artifact metadata for this name. (NON-BASELINE)",
)
def by_name(name: str, storage: Store, _: CanSearch) -> list[ArtifactMetadata]:
    """Every artifact with exactly this name."""
    return services.by_name(storage, name=name)


@router.get(
    "/artifact/{artifact_type}/{id}/audit",
    response_model=list[ArtifactAuditEntry],
    responses=READ_ERRORS,
    summary="Retrieve audit entries for this artifact. (NON-BASELINE)",
)
def audit(storage: Store, _: CanSearch, artifact: CurrentArtifact) -> list[ArtifactAuditEntry]:
    """The artifact's audit trail, oldest first."""
    return services.audit_entries(storage, artifact)


@router.get(
    "/artifact/{artifact_type}/{id}/versions",
    response_model=list[ArtifactVersion],
    responses=READ_ERRORS,
    summary="Every version of this artifact, oldest first; the last is the current one.",
)
def versions(storage: Store, _: CanSearch, artifact: CurrentArtifact) -> list[ArtifactVersion]:
    """Number, pinned upstream revision, source URL, who, when, bundle sha256 and stored net score of each."""
    return services.scored_history(storage, artifact)


@router.get(
    "/audit",
    response_model=list[AuditLogEntry],
    responses=documented(BadRequest, Forbidden) | {401: {"description": "Not an admin."}},
    summary="The registry-wide audit log, deletions and resets included (admin; beyond the spec).",
)
def audit_log(
    response: Response,
    storage: Store,
    _: IsAdmin,
    user: Annotated[str | None, Query(max_length=256, description="Only this user's actions.")] = None,
    action: Annotated[AuditLogAction | None, Query(description="Only this action.")] = None,
    artifact_type: Annotated[ArtifactType | None, Query(description="Only artifacts of this type.")] = None,
    artifact_id: Annotated[str | None, Query(max_length=64, description="Only this artifact.")] = None,
    since: Annotated[datetime | None, Query(description="From this ISO-8601 time (no zone: UTC).")] = None,
    until: Annotated[datetime | None, Query(description="Up to this ISO-8601 time (no zone: UTC).")] = None,
    offset: Annotated[
        str | None,
        Query(max_length=200, description="A previous page's `offset` header."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Entries per page.")] = 100,
) -> list[AuditLogEntry]:
    """Entries oldest first; the `offset` header names the next page and is absent on the last."""
    wanted = AuditFilter(user, action, artifact_type, artifact_id, since, until)
    page, next_offset = services.audit_log(storage, wanted, offset=offset, limit=limit)
    if next_offset is not None:
        response.headers["offset"] = next_offset
    return page


@router.get(
    "/artifact/{artifact_type}/{id}/details",
    response_model=ArtifactOverview,
    responses=READ_ERRORS,
    summary="Source, license, size and mirror progress of this artifact.",
)
def details(storage: Store, _: CanSearch, artifact: CurrentArtifact, base_url: BaseUrl) -> ArtifactOverview:
    """Everything a person wants to know of an artifact at a glance (beyond the spec)."""
    return services.overview_of(storage, artifact, base_url=base_url)


def _download_route(path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    """Register a download route as a `DownloadRoute` (the common request skips dependency resolution)."""

    def add(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            responses=DOWNLOAD_ERRORS,
            response_class=Response,
            summary=summary,
            route_class_override=DownloadRoute,
        )
        return endpoint

    return add


@_download_route("/download/{artifact_type}/{id}", "Download the artifact as one zip bundle.")
def download_bundle(
    request: Request,
    user: CanDownload,
    artifact: CurrentArtifact,
    ctx: RegistryDep,
    version: Annotated[
        int | None, Query(ge=1, description="An earlier version, while its bundle is kept.")
    ] = None,
) -> Response:
    """The bundle: from the store once mirrored (Range, ETag), else streamed through from upstream."""
    return _download(request, user, artifact, ctx, path=None, version=version)


@_download_route("/download/{artifact_type}/{id}/{path:path}", "Download one file of the artifact.")
def download_file(
    path: str, request: Request, user: CanDownload, artifact: CurrentArtifact, ctx: RegistryDep
) -> Response:
    """One file, by its path in the artifact."""
    return _download(request, user, artifact, ctx, path=path)


def _download(
    request: Request,
    user: Principal,
    artifact: ArtifactRecord,
    ctx: Registry,
    *,
    path: str | None,
    version: int | None = None,
) -> Response:
    plan = services.download_record(
        ctx.storage, ctx.upstreams, ctx.settings, record=artifact, path=path, principal=user, version=version
    )
    return to_response(plan, request.headers, ctx.storage, ctx.settings)


@router.delete(
    "/reset",
    responses={401: {"description": "Not an admin."}, 403: {"description": "No token."}},
    summary="Reset the registry. (BASELINE)",
)
def reset(storage: Store, user: IsAdmin) -> dict[str, str]:
    """Remove every artifact and restore the system's default state."""
    services.reset(storage, principal=user)
    return {"status": "reset"}


def setup_app(app: FastAPI) -> None:
    """Match the download routes first, the common GET in front of FastAPI (download_route, download_asgi)."""
    install_fast_path(app, match_downloads_first(app, router))
