"""The web interface: server-rendered pages at / and /web/..., thin over the web services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from package.core.auth_middleware import SESSION_COOKIE, Permission
from package.core.config import SettingsDep
from package.core.errors import BadRequest, RegistryError, TooManyRequests, Unauthorized
from package.core.storage import Store
from package.core.upstream.clients import UpstreamsDep
from package.core.web import BaseUrl
from package.routers.artifacts.interface import ArtifactType
from package.routers.web import services
from package.routers.web.admin_pages import router as admin_router
from package.routers.web.config import WebSettingsDep
from package.routers.web.interface import CatalogQuery, SearchMode
from package.routers.web.session import (
    HERE,
    SIGN_IN_REASONS,
    CsrfChecked,
    PagePrincipal,
    SignInRequired,
    is_web_path,
    page_principal,
    raw_token,
    redirect,
    render,
    require,
    safe_next,
    set_session,
    sign_in_redirect,
)

router = APIRouter(tags=["web"], include_in_schema=False)
router.include_router(admin_router)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    storage: Store,
    settings: SettingsDep,
    web: WebSettingsDep,
    q: Annotated[str, Query(max_length=4096)] = "",
    mode: SearchMode = SearchMode.NAME,
    type: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The catalog for a signed-in person; the sign-in page (200) for anyone else."""
    if not raw_token(request):
        return render(request, "signin.html", {"next": "/", "message": None, "error": None})
    principal = page_principal(request, storage, settings)
    require(principal, Permission.SEARCH)
    try:
        kind = ArtifactType(type) if type else None
    except ValueError as exc:
        raise BadRequest(f"Unknown artifact type {type!r}: use model, dataset or code.") from exc
    query = CatalogQuery(text=q, mode=mode, artifact_type=kind, page=page)
    result = services.catalog(storage, settings, query=query, page_size=web.web_page_size)
    return render(request, "catalog.html", {"catalog": result}, principal=principal)


@router.get("/web/signin", response_class=HTMLResponse)
def signin_form(
    request: Request,
    next: Annotated[str, Query(max_length=2048)] = "/",
    reason: str = "",
) -> Response:
    """The sign-in form, with why the person was sent here."""
    message = SIGN_IN_REASONS.get(reason)
    return render(request, "signin.html", {"next": safe_next(next), "message": message, "error": None})


@router.post("/web/signin", response_class=HTMLResponse, dependencies=[CsrfChecked])
def signin(
    request: Request,
    storage: Store,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    """Check the name and password with the auth domain; keep the token in the session cookie."""
    client = request.client.host if request.client else "unknown"
    try:
        token = services.sign_in(storage, settings, name=name, password=password, client=client)
    except (Unauthorized, TooManyRequests) as exc:
        context = {"next": safe_next(next), "message": None, "error": exc.message, "name": name}
        return render(request, "signin.html", context, status_code=exc.status_code)
    response = redirect(safe_next(next))
    set_session(response, request, token)
    return response


@router.post("/web/signout", dependencies=[CsrfChecked])
def signout() -> Response:
    """Forget the session cookie."""
    response = redirect("/web/signin?reason=signed_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/web/artifact/{artifact_type}/{artifact_id}", response_class=HTMLResponse)
def artifact_page(
    request: Request, artifact_type: ArtifactType, artifact_id: str, storage: Store, base_url: BaseUrl,
    principal: PagePrincipal,
) -> Response:  # fmt: skip
    """Everything about one artifact."""
    require(principal, Permission.SEARCH)
    page = services.artifact_page(
        storage, artifact_type=artifact_type, artifact_id=artifact_id, base_url=base_url
    )
    return render(request, "artifact.html", {"page": page, "check": None}, principal=principal)


@router.get("/web/artifact/{artifact_type}/{artifact_id}/progress")
def mirror_progress(
    artifact_type: ArtifactType, artifact_id: str, storage: Store, principal: PagePrincipal
) -> dict[str, Any]:
    """The mirror copy's progress, polled by the artifact page's script."""
    require(principal, Permission.SEARCH)
    return services.mirror_progress(storage, artifact_type=artifact_type, artifact_id=artifact_id)


@router.post("/web/artifact/model/{artifact_id}/rate", dependencies=[CsrfChecked])
def rate(
    artifact_id: str, storage: Store, upstreams: UpstreamsDep, settings: SettingsDep, principal: PagePrincipal
) -> Response:
    """Rate the model now (when no rating is stored yet), then show its page."""
    require(principal, Permission.SEARCH)
    services.rate(storage, upstreams, settings, model_id=artifact_id, principal=principal)
    return redirect(services.page_url(ArtifactType.MODEL, artifact_id))


@router.post(
    "/web/artifact/model/{artifact_id}/license-check", response_class=HTMLResponse, dependencies=[CsrfChecked]
)
def license_check(
    request: Request,
    artifact_id: str,
    storage: Store,
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    base_url: BaseUrl,
    principal: PagePrincipal,
    github_url: Annotated[str, Form(max_length=2048)],
) -> Response:
    """Run a license check and show its verdict on the model's page."""
    require(principal, Permission.SEARCH)
    check = services.license_check(storage, upstreams, settings, model_id=artifact_id, github_url=github_url)
    page = services.artifact_page(
        storage, artifact_type=ArtifactType.MODEL, artifact_id=artifact_id, base_url=base_url
    )
    return render(request, "artifact.html", {"page": page, "check": check}, principal=principal)


def _error_page(request: Request, status_code: int, message: str) -> Response:
    return render(request, "error.html", {"status": status_code, "message": message}, status_code=status_code)


def setup_app(app: FastAPI) -> None:
    """Serve the static assets and make errors on web paths pages (other paths keep their JSON errors)."""
    app.mount("/web/static", StaticFiles(directory=str(HERE / "static")), name="web-static")
    json_handlers = dict(app.exception_handlers)  # core's JSON errors, kept for every other path

    async def as_json(request: Request, exc: Exception, kind: type[Exception]) -> Response:
        response: Response = await json_handlers[kind](request, exc)
        return response

    async def registry_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, SignInRequired):
            return sign_in_redirect(request, exc.reason)
        if is_web_path(request.url.path) and isinstance(exc, RegistryError):
            return _error_page(request, exc.status_code, exc.message)
        return await as_json(request, exc, RegistryError)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if is_web_path(request.url.path) and isinstance(exc, RequestValidationError):
            problems = "; ".join(str(err.get("msg", "invalid")) for err in exc.errors())
            return _error_page(request, 400, f"The form or link is malformed: {problems}")
        return await as_json(request, exc, RequestValidationError)

    async def http_error(request: Request, exc: Exception) -> Response:
        if is_web_path(request.url.path) and isinstance(exc, StarletteHTTPException):
            return _error_page(request, exc.status_code, str(exc.detail))
        return await as_json(request, exc, StarletteHTTPException)

    app.add_exception_handler(RegistryError, registry_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
