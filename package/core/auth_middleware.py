"""Who is calling, and may they do this: the dependency every domain's routes declare.

The caller proves who they are with the token `PUT /authenticate` returns, sent back in `X-Authorization`
(`bearer <JWT>`, the prefix optional). `core.tokens` verifies it with storage and settings only, so every
container checks tokens the same way whether or not it mounts the auth domain. Missing or bad tokens
answer 403; a good token without the needed permission answers 403, except for `IsAdmin`, which answers
the spec's 401 for reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from package.core.config import SettingsDep
from package.core.errors import Forbidden, RegistryError, Unauthorized
from package.core.request_log import note
from package.core.storage import Store
from package.core.tokens import TokenRejected, verify_token

TOKEN_HEADER = "X-Authorization"
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
            f"in {TOKEN_HEADER}."
        )
    return text


def current_principal(
    storage: Store,
    settings: SettingsDep,
    header: Annotated[str | None, Security(_token_scheme)],
    request: Request,
) -> Principal:
    """The caller named by a valid token (403 when it is missing, malformed, forged, expired or used up)."""
    if not header and request.method in _COOKIE_METHODS:
        # A signed-in browser follows plain links (downloads); only reads, so no form elsewhere can
        # make it change anything (changes need the header, or the web forms' CSRF check).
        header = request.cookies.get(SESSION_COOKIE)
    claims = verify_token(storage, settings, token_from_header(header))
    known = {p.value for p in Permission}
    permissions = frozenset(Permission(p) for p in claims.permissions if p in known)
    note(user=claims.subject)  # the request's log line names the caller
    return Principal(name=claims.subject, is_admin=claims.is_admin, permissions=permissions)


def _requiring(permission: Permission, denied: type[RegistryError] = PermissionDenied) -> object:
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.may(permission):
            raise denied(
                f"{principal.name!r} lacks the {permission.value!r} permission this needs; "
                "an admin can grant it."
            )
        return principal

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
