"""HTTP routes of the hub domain: the part of the Hugging Face Hub API `huggingface_hub` reads.

`HF_ENDPOINT=<registry>` (or `endpoint=`) makes `model_info`, `dataset_info`, `list_repo_files`,
`hf_hub_download` and `snapshot_download` go through the registry, with a registry token as the Hub token.
Errors answer in the Hub's shape (X-Error-Code, X-Error-Message, `{"error": ...}`) so the client raises
its own exceptions.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from package.core.auth_middleware import Permission, Principal, principal_for
from package.core.config import SettingsDep
from package.core.errors import (
    BadRequest,
    Forbidden,
    RangeNotSatisfiable,
    RegistryError,
    UpstreamError,
    documented,
)
from package.core.storage import Store
from package.core.upstream.clients import UpstreamsDep
from package.core.web import BaseUrl
from package.routers.artifacts.interface import ArtifactDetails
from package.routers.hub import responses, services
from package.routers.hub.config import HubSettingsDep
from package.routers.hub.interface import (
    BadCredentials,
    EntryNotFound,
    NotAllowed,
    RepoInfo,
    RepoKind,
    RepoNotFound,
    RevisionNotFound,
    TreeEntry,
)


class HubRoute(APIRoute):
    """A route whose errors, its dependencies' included, answer in the Hub's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler, with errors turned into Hub errors."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RegistryError as exc:
                return responses.hub_error(exc)
            except RequestValidationError as exc:
                problems = "; ".join(str(e.get("msg", "invalid")) for e in exc.errors()[:3])
                return responses.hub_error(BadRequest(f"Malformed request: {problems}"))

        return guarded


router = APIRouter(tags=["hub"], route_class=HubRoute)
_ERRORS = documented(
    BadRequest,
    BadCredentials,
    NotAllowed,
    RepoNotFound,
    RevisionNotFound,
    EntryNotFound,
    RangeNotSatisfiable,
    UpstreamError,
)
_KINDS = {"models": RepoKind.MODEL, "datasets": RepoKind.DATASET}
_ACTIONS = {"revision", "tree", "paths-info"}
_FORM_MAX_BYTES = 1024 * 1024
_FORM_MAX_FIELDS = 2000


def hub_caller(
    storage: Store,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="`Bearer <token>`: a registry token.")] = None,
    x_authorization: Annotated[str | None, Header(alias="X-Authorization")] = None,
) -> Principal:
    """The caller, from either token header; a missing or bad token is the Hub's 401."""
    try:
        return principal_for(storage, settings, x_authorization, authorization)
    except Forbidden as exc:
        raise BadCredentials(exc.message) from exc


Caller = Annotated[Principal, Depends(hub_caller)]


def _reader(caller: Caller) -> Principal:
    if not (caller.may(Permission.SEARCH) or caller.may(Permission.DOWNLOAD)):
        raise NotAllowed(f"{caller.name!r} holds neither the 'search' nor the 'download' permission.")
    return caller


def _fetcher(caller: Caller) -> Principal:
    if not caller.may(Permission.DOWNLOAD):
        raise NotAllowed(f"{caller.name!r} lacks the 'download' permission; an admin can grant it.")
    return caller


@dataclass(frozen=True)
class RepoRequest:
    """What an API path names: the repository, the action on it, its revision and a path inside it."""

    kind: RepoKind
    repo_id: str
    action: str = "info"
    revision: str | None = None
    path: str = ""


def parse_api_path(kind: RepoKind, repo_path: str) -> RepoRequest:
    """Split `<id>[/revision/<rev>|/tree/<rev>[/<path>]|/paths-info/<rev>]`; ids have one or two parts."""
    parts = repo_path.strip("/").split("/")
    for size in (2, 1):
        if len(parts) >= size + 2 and parts[size] in _ACTIONS:
            rest = parts[size + 2 :]
            return RepoRequest(kind, "/".join(parts[:size]), parts[size], parts[size + 1], "/".join(rest))
    if len(parts) <= 2 and all(parts):
        return RepoRequest(kind, "/".join(parts))
    raise RepoNotFound(f"{repo_path!r} names no repository the Hub API knows.")


@dataclass
class Context:
    """The collaborators every hub route needs, gathered once."""

    storage: Store
    upstreams: UpstreamsDep
    settings: SettingsDep
    hub_settings: HubSettingsDep
    base_url: BaseUrl

    def repo(self, kind: RepoKind, repo_id: str, principal: Principal) -> ArtifactDetails:
        """The registered repository (registered now under pull-through), else the Hub's 404."""
        return services.load_repo(
            self.storage,
            self.upstreams,
            self.settings,
            self.hub_settings,
            kind=kind,
            repo_id=repo_id,
            principal=principal,
            base_url=self.base_url,
        )


Ctx = Annotated[Context, Depends(Context)]
Reader = Annotated[Principal, Depends(_reader)]
Fetcher = Annotated[Principal, Depends(_fetcher)]


@router.get(
    "/api/{kind}/{repo_path:path}",
    response_model=RepoInfo | list[TreeEntry],
    response_model_exclude_none=True,
    response_model_by_alias=True,
    responses=_ERRORS,
    summary="Hub API: repository info (`/revision/<rev>`) or tree listing (`/tree/<rev>[/<path>]`).",
)
def repo_api(
    kind: str,
    repo_path: str,
    ctx: Ctx,
    principal: Reader,
    recursive: Annotated[bool, Query()] = False,
) -> RepoInfo | list[TreeEntry]:
    """What `model_info`, `dataset_info`, `repo_info`, `list_repo_files` and `list_repo_tree` read."""
    wanted = parse_api_path(_kind(kind), repo_path)
    if wanted.action == "paths-info":
        raise BadRequest("paths-info is a POST.")
    details = ctx.repo(wanted.kind, wanted.repo_id, principal)
    if wanted.action == "tree":
        return services.tree(
            details, revision=wanted.revision or "main", path=wanted.path, recursive=recursive
        )
    return services.repo_info(details, kind=wanted.kind, revision=wanted.revision)


@router.post(
    "/api/{kind}/{repo_path:path}",
    response_model=list[TreeEntry],
    response_model_exclude_none=True,
    response_model_by_alias=True,
    responses=_ERRORS,
    summary="Hub API: paths-info (`/paths-info/<rev>`, form field `paths`).",
)
async def paths_info(
    kind: str, repo_path: str, request: Request, ctx: Ctx, principal: Reader
) -> list[TreeEntry]:
    """The entries of the given paths, as `get_paths_info` reads them."""
    wanted = parse_api_path(_kind(kind), repo_path)
    if wanted.action != "paths-info":
        raise BadRequest("Only paths-info is a POST.")
    body = await request.body()
    if len(body) > _FORM_MAX_BYTES:
        raise BadRequest(f"The form is larger than {_FORM_MAX_BYTES} bytes.")
    try:
        form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=_FORM_MAX_FIELDS)
    except ValueError as exc:  # more fields than allowed
        raise BadRequest(f"The form has more than {_FORM_MAX_FIELDS} fields.") from exc
    paths = form.get("paths", []) + form.get("paths[]", [])
    details = ctx.repo(wanted.kind, wanted.repo_id, principal)
    return services.paths_info(details, revision=wanted.revision or "main", paths=paths)


def _kind(kind: str) -> RepoKind:
    if kind not in _KINDS:
        raise RepoNotFound(f"The registry serves models and datasets, not {kind!r}.")
    return _KINDS[kind]


def _resolve(
    request: Request,
    ctx: Context,
    principal: Principal,
    kind: RepoKind,
    repo_id: str,
    revision: str,
    filename: str,
) -> Response:
    details = ctx.repo(kind, repo_id, principal)
    hub_file = services.file(details, revision=revision, path=filename)
    if request.method == "HEAD":
        return responses.head_response(hub_file)
    plan = services.open_file(
        ctx.storage, ctx.upstreams, ctx.settings, details=details, hub_file=hub_file, principal=principal
    )
    return responses.get_response(plan, hub_file, request.headers.get("range"), ctx.storage)


FileRoute = Callable[[Callable[..., Response]], Callable[..., Response]]


def _file_route(path: str, summary: str) -> FileRoute:
    """GET and HEAD of one file path (HEAD left out of the schema: same answer without a body)."""

    def register(endpoint: Callable[..., Response]) -> Callable[..., Response]:
        options: dict[str, Any] = {"responses": _ERRORS, "response_class": Response, "summary": summary}
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False, **options)
        return endpoint

    return register


@_file_route("/datasets/{namespace}/{name}/resolve/{revision}/{filename:path}", "Hub: a dataset file.")
def resolve_dataset(
    namespace: str, name: str, revision: str, filename: str, request: Request, ctx: Ctx, principal: Fetcher
) -> Response:
    """A file of a registered dataset (HEAD: its metadata), with Range."""
    return _resolve(request, ctx, principal, RepoKind.DATASET, f"{namespace}/{name}", revision, filename)


@_file_route("/datasets/{name}/resolve/{revision}/{filename:path}", "Hub: an owner-less dataset's file.")
def resolve_dataset_unowned(
    name: str, revision: str, filename: str, request: Request, ctx: Ctx, principal: Fetcher
) -> Response:
    """A file of a registered dataset whose id has no owner."""
    return _resolve(request, ctx, principal, RepoKind.DATASET, name, revision, filename)


@_file_route("/{namespace}/{name}/resolve/{revision}/{filename:path}", "Hub: a model file.")
def resolve_model(
    namespace: str, name: str, revision: str, filename: str, request: Request, ctx: Ctx, principal: Fetcher
) -> Response:
    """A file of a registered model (HEAD: its metadata), with Range."""
    return _resolve(request, ctx, principal, RepoKind.MODEL, f"{namespace}/{name}", revision, filename)


@_file_route("/{name}/resolve/{revision}/{filename:path}", "Hub: a file of an owner-less model.")
def resolve_model_unowned(
    name: str, revision: str, filename: str, request: Request, ctx: Ctx, principal: Fetcher
) -> Response:
    """A file of a registered model whose id has no owner (e.g. `gpt2`)."""
    return _resolve(request, ctx, principal, RepoKind.MODEL, name, revision, filename)
