"""The web pages that change the registry or watch it: register, admin (accounts, reset) and health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from package.core.auth_middleware import Permission, Principal
from package.core.config import SettingsDep
from package.core.errors import RegistryError
from package.core.storage import Store
from package.core.upstream.clients import UpstreamsDep
from package.core.web import BaseUrl
from package.routers.artifacts.interface import ArtifactType
from package.routers.web import services
from package.routers.web.session import CsrfChecked, PagePrincipal, redirect, render, require

router = APIRouter()
RESET_CONFIRMATION = "reset the registry"


@router.get("/web/register", response_class=HTMLResponse)
def register_form(request: Request, principal: PagePrincipal) -> Response:
    """The registration form."""
    require(principal, Permission.UPLOAD)
    return render(request, "register.html", {"error": None, "form": {}}, principal=principal)


@router.post("/web/register", response_class=HTMLResponse, dependencies=[CsrfChecked])
def register(
    request: Request,
    storage: Store,
    upstreams: UpstreamsDep,
    settings: SettingsDep,
    base_url: BaseUrl,
    principal: PagePrincipal,
    artifact_type: Annotated[ArtifactType, Form()],
    url: Annotated[str, Form(max_length=2048)],
    name: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    """Register from a URL; on failure the form again with the registry's own message and status."""
    require(principal, Permission.UPLOAD)
    try:
        artifact = services.register(
            storage,
            upstreams,
            settings,
            artifact_type=artifact_type,
            url=url,
            name=name,
            principal=principal,
            base_url=base_url,
        )
    except RegistryError as exc:
        form = {"artifact_type": artifact_type.value, "url": url, "name": name}
        error = {"status": exc.status_code, "message": exc.message}
        return render(
            request, "register.html", {"error": error, "form": form}, status_code=exc.status_code,
            principal=principal,
        )  # fmt: skip
    return redirect(services.page_url(artifact.metadata.type, artifact.metadata.id) + "?registered=1")


@router.get("/web/admin", response_class=HTMLResponse)
def admin(request: Request, storage: Store, principal: PagePrincipal, done: str = "") -> Response:
    """Accounts and reset."""
    require(principal, Permission.ADMIN)
    notice = {"created": "The user was created.", "deleted": "The user was deleted."}.get(done)
    context = {
        "view": services.admin_view(storage),
        "error": None,
        "notice": notice,
        "confirm": RESET_CONFIRMATION,
    }
    return render(request, "admin.html", context, principal=principal)


def _admin_error(request: Request, storage: Store, principal: Principal, exc: RegistryError) -> Response:
    context = {
        "view": services.admin_view(storage),
        "error": exc.message,
        "notice": None,
        "confirm": RESET_CONFIRMATION,
    }
    return render(request, "admin.html", context, status_code=exc.status_code, principal=principal)


@router.post("/web/admin/users", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_user(
    request: Request,
    storage: Store,
    principal: PagePrincipal,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    permissions: Annotated[list[str] | None, Form(max_length=8)] = None,
) -> Response:
    """Create an account with the ticked permissions."""
    require(principal, Permission.ADMIN)
    try:
        services.create_user(
            storage, name=name, password=password, permissions=permissions or [], by=principal
        )
    except RegistryError as exc:
        return _admin_error(request, storage, principal, exc)
    return redirect("/web/admin?done=created")


@router.post("/web/admin/users/delete", response_class=HTMLResponse, dependencies=[CsrfChecked])
def delete_user(
    request: Request, storage: Store, principal: PagePrincipal, name: Annotated[str, Form(max_length=64)]
) -> Response:
    """Delete an account."""
    require(principal, Permission.ADMIN)
    try:
        services.delete_user(storage, name=name, by=principal)
    except RegistryError as exc:
        return _admin_error(request, storage, principal, exc)
    return redirect("/web/admin?done=deleted")


@router.post("/web/admin/reset", response_class=HTMLResponse, dependencies=[CsrfChecked])
def reset(
    request: Request,
    storage: Store,
    principal: PagePrincipal,
    confirmation: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Reset the registry once the confirmation phrase is typed exactly."""
    require(principal, Permission.ADMIN)
    if confirmation.strip() != RESET_CONFIRMATION:
        message = f"Nothing was reset: type “{RESET_CONFIRMATION}” exactly to confirm."
        context = {
            "view": services.admin_view(storage),
            "error": message,
            "notice": None,
            "confirm": RESET_CONFIRMATION,
        }
        return render(request, "admin.html", context, status_code=400, principal=principal)
    services.reset(storage)
    return redirect("/?reset=1")


@router.get("/web/health", response_class=HTMLResponse)
def health(request: Request, storage: Store, base_url: BaseUrl, principal: PagePrincipal) -> Response:
    """Component status and request activity."""
    runtime = getattr(request.app.state, "health", None)
    if runtime is None:
        return render(
            request, "error.html", {"status": 503, "message": "This process does not watch health."},
            status_code=503, principal=principal,
        )  # fmt: skip
    view = services.health_view(runtime, storage, base_url=base_url)
    return render(request, "health.html", {"view": view}, principal=principal)
