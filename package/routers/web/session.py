"""Sign-in cookie, CSRF token and page rendering: the HTTP side of the web pages (used by endpoint.py)."""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from package.core.auth_middleware import (
    SESSION_COOKIE,
    TOKEN_HEADER,
    Permission,
    PermissionDenied,
    Principal,
    principal_for,
)
from package.core.config import SettingsDep
from package.core.errors import Forbidden, RegistryError
from package.core.storage import Store
from package.core.tokens import TokenExpired, TokenRejected, TokenUsedUp
from package.routers.web.config import WebSettings, get_web_settings

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates

CSRF_COOKIE = "registry_csrf"
CSRF_FIELD = "csrf_token"
HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The pages' Jinja environment, built with the first page (jinja2 is no part of a Lambda cold start)."""
    from fastapi.templating import Jinja2Templates

    return Jinja2Templates(directory=str(HERE / "templates"))


# Pages may load only the registry's own CSS and JS; a model card's HTML can neither run nor embed anything.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


SIGN_IN_REASONS = {
    "required": "Sign in to continue.",
    "expired": "Your session expired. Sign in again.",
    "used_up": "Your session was used up (a token allows a limited number of calls). Sign in again.",
    "invalid": "Your session is no longer valid. Sign in again.",
    "signed_out": "You are signed out.",
}


class SignInRequired(RegistryError):
    """The page needs a signed-in person; the browser is sent to the sign-in form with a reason."""

    status_code = 401
    code = "sign_in_required"

    def __init__(self, reason: str) -> None:
        super().__init__(SIGN_IN_REASONS[reason])
        self.reason = reason


class CsrfRefused(Forbidden):
    """A form came without the page's CSRF token (or with another one)."""

    code = "csrf_refused"


def is_web_path(path: str) -> bool:
    """Whether a path belongs to the web interface (its errors are pages, not JSON)."""
    return path == "/" or path.startswith("/web/")


def is_secure(request: Request, web: WebSettings) -> bool:
    """Whether cookies get the Secure flag: the setting, else whether the client used https."""
    if web.web_cookie_secure is not None:
        return web.web_cookie_secure
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def raw_token(request: Request) -> str | None:
    """The token a page request carries: X-Authorization (tools, tests), else the sign-in cookie."""
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(SESSION_COOKIE)


def page_principal(request: Request, storage: Store, settings: SettingsDep) -> Principal:
    """The signed-in person, else SignInRequired with the reason (none, expired, used up, revoked)."""
    token = raw_token(request)
    if not token:
        raise SignInRequired("required")
    try:
        return principal_for(storage, settings, token)
    except TokenExpired as exc:
        raise SignInRequired("expired") from exc
    except TokenUsedUp as exc:
        raise SignInRequired("used_up") from exc
    except TokenRejected as exc:
        raise SignInRequired("invalid") from exc


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def require(principal: Principal, permission: Permission) -> None:
    """PermissionDenied unless the signed-in person holds `permission`."""
    if not principal.may(permission):
        raise PermissionDenied(
            f"{principal.name!r} lacks the {permission.value!r} permission this page needs; "
            "an admin can grant it."
        )


def csrf_checked(request: Request, csrf_token: Annotated[str, Form(max_length=128)] = "") -> None:
    """Refuse a form whose CSRF field does not equal the browser's CSRF cookie (double submit)."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not csrf_token or not hmac.compare_digest(expected, csrf_token):
        raise CsrfRefused(
            "This form is missing its security token or it is stale. Reload the page and try again."
        )


CsrfChecked = Depends(csrf_checked)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    principal: Principal | None = None,
) -> HTMLResponse:
    """A page from a template, with the CSRF cookie set and the security headers."""
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = templates().TemplateResponse(
        request,
        template,
        {"principal": principal, "csrf_token": csrf, "path": request.url.path, **context},
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=is_secure(request, get_web_settings()),
            path="/",
        )
    return response


def redirect(url: str) -> RedirectResponse:
    """See-other redirect after a form post (the browser then GETs the page)."""
    return RedirectResponse(url, status_code=303)


def sign_in_redirect(request: Request, reason: str) -> RedirectResponse:
    """Back to the sign-in form with the reason; forgets a stale session cookie."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or not is_web_path(request.url.path):
        target = "/"
    response = redirect(f"/web/signin?next={quote(target, safe='')}&reason={reason}")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def set_session(response: RedirectResponse, request: Request, token: str) -> None:
    """Keep the token in an HttpOnly, SameSite=Strict cookie (Secure over https)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_secure(request, get_web_settings()),
        path="/",
    )


def safe_next(target: str | None) -> str:
    """A same-site path to return to after signing in (anything else goes to the catalog)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
