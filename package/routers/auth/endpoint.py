"""HTTP routes of the auth domain: the spec's `PUT /authenticate` and account management."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from package.core.auth_middleware import CanAdminister, CurrentUser
from package.core.config import SettingsDep
from package.core.errors import BadRequest, Forbidden, TooManyRequests, documented
from package.core.storage import Store
from package.routers.auth import services, token_routes
from package.routers.auth.config import AuthSettingsDep
from package.routers.auth.errors import InvalidLogin, UserConflict, UserNotFound
from package.routers.auth.interface import AuthenticationRequest, UserCreate, UserDeleted, UserRead

router = APIRouter()
router.include_router(token_routes.router)  # access tokens and PATCH /users/{name}


@router.put(
    "/authenticate",
    tags=["authentication"],
    response_model=str,
    responses=documented(BadRequest, InvalidLogin, TooManyRequests),
    summary="(NON-BASELINE)",
    description="Create an access token: the JSON string `bearer <JWT>`, to send back in X-Authorization. "
    "It lives 10 hours or 1,000 calls, whichever ends first.",
)
def authenticate(
    body: AuthenticationRequest,
    request: Request,
    storage: Store,
    settings: SettingsDep,
    auth_settings: AuthSettingsDep,
) -> str:
    """Log in with a user name and password."""
    client = request.client.host if request.client else "unknown"
    return services.authenticate(
        storage,
        settings,
        name=body.user.name,
        password=body.secret.password,
        client=client,
        auth_settings=auth_settings,
    )


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=documented(BadRequest, Forbidden, UserConflict),
    summary="Register a user with permissions (admin).",
)
def create_user(
    body: UserCreate, storage: Store, auth_settings: AuthSettingsDep, admin: CanAdminister
) -> UserRead:
    """Register an account; admins hold every permission."""
    return services.create_user(storage, body=body, by=admin, auth_settings=auth_settings)


@router.get(
    "/users",
    tags=["users"],
    response_model=list[UserRead],
    responses=documented(Forbidden),
    summary="List the users (admin).",
)
def list_users(storage: Store, _: CanAdminister) -> list[UserRead]:
    """Every account, by name."""
    return services.list_users(storage)


@router.get(
    "/users/me",
    tags=["users"],
    response_model=UserRead,
    responses=documented(Forbidden, UserNotFound),
    summary="The caller's own account.",
)
def me(storage: Store, user: CurrentUser) -> UserRead:
    """Who the token belongs to, and what it may do."""
    return services.me(storage, user)


@router.delete(
    "/users/{name}",
    tags=["users"],
    response_model=UserDeleted,
    responses=documented(Forbidden, UserNotFound, UserConflict),
    summary="Delete a user (an admin, or the user themselves); revokes their tokens.",
)
def delete_user(name: str, storage: Store, user: CurrentUser) -> UserDeleted:
    """Remove the account and make its tokens stop working."""
    services.delete_user(storage, name=name, by=user)
    return UserDeleted(deleted=name)
