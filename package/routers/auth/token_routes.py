"""HTTP routes for access tokens and account changes, included by the auth domain's router."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from package.core.auth_middleware import CurrentUser
from package.core.errors import BadRequest, Forbidden, TooManyRequests, documented
from package.core.storage import Store
from package.routers.auth import access
from package.routers.auth.config import AuthSettingsDep
from package.routers.auth.errors import (
    AccessTokenConflict,
    AccessTokenNotFound,
    AccountConflict,
    UserNotFound,
)
from package.routers.auth.interface import (
    AccessTokenCreate,
    AccessTokenCreated,
    AccessTokenRead,
    AccountEvent,
    UserRead,
    UserUpdate,
)

router = APIRouter()


@router.post(
    "/tokens",
    tags=["tokens"],
    status_code=status.HTTP_201_CREATED,
    response_model=AccessTokenCreated,
    responses=documented(BadRequest, Forbidden, UserNotFound, AccessTokenConflict),
    summary="Create a named access token for scripts (a subset of your permissions, with an expiry).",
)
def create_token(body: AccessTokenCreate, storage: Store, user: CurrentUser) -> AccessTokenCreated:
    """The token's secret is in the answer only: keep it. It is not limited to 1,000 calls."""
    return access.create_access_token(storage, body=body, by=user)


@router.get(
    "/tokens",
    tags=["tokens"],
    response_model=list[AccessTokenRead],
    responses=documented(Forbidden),
    summary="List your access tokens (admins: any user's, or `*` for all).",
)
def list_tokens(
    storage: Store,
    user: CurrentUser,
    of: Annotated[str | None, Query(alias="user", max_length=256, description="Whose tokens.")] = None,
) -> list[AccessTokenRead]:
    """Tokens without their secrets, with when each was last used."""
    return access.list_access_tokens(storage, user=of, by=user)


@router.delete(
    "/tokens/{token_id}",
    tags=["tokens"],
    response_model=AccessTokenRead,
    responses=documented(Forbidden, AccessTokenNotFound),
    summary="Revoke an access token (its owner or an admin); it stops working at once.",
)
def revoke_token(token_id: str, storage: Store, user: CurrentUser) -> AccessTokenRead:
    """The revoked token."""
    return access.revoke_access_token(storage, token_id=token_id, by=user)


@router.patch(
    "/users/{name}",
    tags=["users"],
    response_model=UserRead,
    responses=documented(BadRequest, Forbidden, UserNotFound, AccountConflict, TooManyRequests),
    summary="Change an account: permissions (admin) or your own password (old password required).",
)
def update_user(
    name: str,
    body: UserUpdate,
    request: Request,
    storage: Store,
    settings: AuthSettingsDep,
    user: CurrentUser,
) -> UserRead:
    """Sessions of the account issued before stop working; its access tokens keep the permissions it keeps."""
    client = request.client.host if request.client else "unknown"
    return access.update_user(storage, settings, name=name, body=body, by=user, client=client)


@router.get(
    "/users/{name}/audit",
    tags=["users"],
    response_model=list[AccountEvent],
    responses=documented(Forbidden, UserNotFound),
    summary="An account's audit trail: tokens created and revoked, changes (the user or an admin).",
)
def account_audit(name: str, storage: Store, user: CurrentUser) -> list[AccountEvent]:
    """Oldest first."""
    return access.account_events(storage, name=name, by=user)
