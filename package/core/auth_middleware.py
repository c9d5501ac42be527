"""Who is calling, and may they do this: the dependency every domain's routes declare.

The caller proves who they are with the token `PUT /authenticate` returns, sent back in `X-Authorization`
(`bearer <JWT>`, the prefix optional), or in the standard `Authorization: Bearer <token>` header that tools
such as `huggingface_hub` send; either header may carry an access token (`tmr_...`, see core.access_tokens).
`core.tokens` verifies it with storage and settings only, so every
container checks tokens the same way whether or not it mounts the auth domain. Missing or bad tokens
answer 403; a good token without the needed permission answers 403, except for `IsAdmin`, which answers
the spec's 401 for reset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from starlette.requests import cookie_parser

from package.core import access_tokens
from package.core.config import Settings, SettingsDep
from package.core.errors import Forbidden, RegistryError, Unauthorized
from package.core.request_log import note
from package.core.storage import Store
from package.core.tokens import TokenRejected, verify_token

TOKEN_HEADER = "X-Authorization"
BEARER_HEADER = "Authorization"
SESSION_COOKIE = "registry_session"
"""The web interface's sign-in cookie (HttpOnly, SameSite=Strict): it holds the same token as the header."""
_COOKIE_METHODS = frozenset({"GET", "HEAD"})


class Permission(StrEnum):
    """What a caller may do."""

    UPLOAD = "upload"
    SEARCH = "search"
    DOWNLOAD = "download"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """The caller of a request."""

    name: str
    is_admin: bool
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    access_token_id: str | None = None
    """The access token the caller presented; None for a session token from `PUT /authenticate`."""

    def may(self, permission: Permission) -> bool:
        """Whether the caller holds `permission`."""
        return permission in self.permissions


class PermissionDenied(Forbidden):
    """A valid token without the permission a route needs."""

    code = "permission_denied"


class NotAdmin(Unauthorized):
    """A valid token of someone who is not an admin, where the spec answers 401 (reset)."""

    code = "not_admin"


_token_scheme = APIKeyHeader(
    name=TOKEN_HEADER,
    scheme_name=TOKEN_HEADER,
    auto_error=False,
    description="The token `PUT /authenticate` returns, sent back verbatim: `bearer <JWT>` "
    "(the `bearer ` prefix is optional). A token lives 10 hours or 1,000 calls.",
)
_bearer_scheme = APIKeyHeader(
    name=BEARER_HEADER,
    scheme_name="Bearer",
    auto_error=False,
    description="The same token as `Authorization: Bearer <token>` (what huggingface_hub and most tools "
    "send), or an access token (`tmr_...`) from POST /tokens.",
)


def token_from_header(value: str | None) -> str:
    """The JWT inside an X-Authorization value: quotes and a `bearer ` prefix are optional."""
    text = (value or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':  # the JSON string itself, pasted with its quotes
        text = text[1:-1].strip()
    scheme, _, rest = text.partition(" ")
    if scheme.lower() == "bearer":
        text = rest.strip()
    if not text:
        raise TokenRejected(
            f"Missing {TOKEN_HEADER} header: get a token from PUT /authenticate and send it back "
            f"in {TOKEN_HEADER} (or as {BEARER_HEADER}: Bearer <token>)."
        )
    return text


def principal_for(storage: Store, settings: Settings, *headers: str | None) -> Principal:
    """The caller named by the first non-blank of `headers` (403 when none is a valid token)."""
    token = token_from_header(next((h for h in headers if h and h.strip()), None))
    known = {p.value for p in Permission}
    if access_tokens.is_access_token(token):
        record = access_tokens.verify(storage, token)
        note(user=record.subject)
        permissions = frozenset(Permission(p) for p in record.permissions if p in known)
        return Principal(
            name=record.subject,
            is_admin=record.is_admin and Permission.ADMIN in permissions,
            permissions=permissions,
            access_token_id=record.token_id,
        )
    claims = verify_token(storage, settings, token)
    permissions = frozenset(Permission(p) for p in claims.permissions if p in known)
    note(user=claims.subject)  # the request's log line names the caller
    return Principal(name=claims.subject, is_admin=claims.is_admin, permissions=permissions)


def current_principal(
    storage: Store,
    settings: SettingsDep,
    header: Annotated[str | None, Security(_token_scheme)],
    bearer: Annotated[str | None, Security(_bearer_scheme)],
    request: Request,
) -> Principal:
    """The caller named by a valid token (403 when it is missing, malformed, forged, expired or used up).

    X-Authorization wins when both headers are sent; either carries a session JWT or an access token.
    A signed-in browser's cookie counts for reads only (GET, HEAD: download links), so no page elsewhere
    can make it change anything; changes need a header, or the web forms' CSRF check.
    """
    cookie = request.cookies.get(SESSION_COOKIE) if request.method in _COOKIE_METHODS else None
    return principal_for(storage, settings, header, bearer, cookie)


def principal_from_headers(
    storage: Store, settings: Settings, headers: Mapping[str, str], method: str
) -> Principal:
    """`current_principal` from headers and method alone (the download fast path builds no Request)."""
    cookie = None
    if method in _COOKIE_METHODS and (cookies := headers.get("cookie")):
        cookie = cookie_parser(cookies).get(SESSION_COOKIE)
    return principal_for(
        storage, settings, headers.get(TOKEN_HEADER) or None, headers.get(BEARER_HEADER) or None, cookie
    )


def require_permission(
    principal: Principal, permission: Permission, denied: type[RegistryError] = PermissionDenied
) -> Principal:
    """`principal` when it holds `permission`, else `denied` (403 PermissionDenied unless told otherwise)."""
    if not principal.may(permission):
        raise denied(
            f"{principal.name!r} lacks the {permission.value!r} permission this needs; an admin can grant it."
        )
    return principal


def _requiring(permission: Permission, denied: type[RegistryError] = PermissionDenied) -> object:
    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        # A check of what the caller holds, no I/O: on the event loop, not a thread-pool trip per request.
        return require_permission(principal, permission, denied)

    check.__doc__ = f"The caller, who must hold the {permission.value!r} permission."
    return Depends(check)


CurrentUser = Annotated[Principal, Depends(current_principal)]
CanUpload = Annotated[Principal, _requiring(Permission.UPLOAD)]
CanSearch = Annotated[Principal, _requiring(Permission.SEARCH)]
CanDownload = Annotated[Principal, _requiring(Permission.DOWNLOAD)]
IsAdmin = Annotated[Principal, _requiring(Permission.ADMIN, NotAdmin)]
"""An admin, else 401 as the spec prescribes for `DELETE /reset` (other admin-only routes: CanAdminister)."""
CanAdminister = Annotated[Principal, _requiring(Permission.ADMIN)]
"""An admin, else 403: every admin-only route except reset (accounts, operators' views)."""
