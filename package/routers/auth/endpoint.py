"""HTTP routes of the auth domain: the spec's `PUT /authenticate` and account management."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from package.core.auth_middleware import CanAdminister, CurrentUser
from package.core.config import SettingsDep
from package.core.storage import Store
from package.core.web import error_responses
from package.routers.auth import services, token_routes
from package.routers.auth.interface import AuthenticationRequest, UserCreate, UserDeleted, UserRead

router = APIRouter()
router.include_router(token_routes.router)  # access tokens and PATCH /users/{name}


ERRORS = {
    400: "Malformed request.",
    401: "The user or password is invalid.",
    403: "Missing or invalid token, or not allowed.",
    404: "No such user.",
    409: "The user exists already, or is the default admin.",
    429: "Too many failed logins: wait as Retry-After says.",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(ERRORS, *codes)


@router.put(
    "/authenticate",
    tags=["authentication"],
    response_model=str,
    responses=_errors(400, 401, 429),
    summary="(NON-BASELINE)",
    description="Create an access token: the JSON string `bearer <JWT>`, to send back in X-Authorization. "
    "It lives 10 hours or 1,000 calls, whichever ends first.",
)
def authenticate(body: AuthenticationRequest, request: Request, storage: Store, settings: SettingsDep) -> str:
    """Log in with a user name and password."""
    client = request.client.host if request.client else "unknown"
    return services.authenticate(
        storage, settings, name=body.user.name, password=body.secret.password, client=client
    )


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=_errors(400, 403, 409),
    summary="Register a user with permissions (admin).",
)
def create_user(body: UserCreate, storage: Store, settings: SettingsDep, admin: CanAdminister) -> UserRead:
    """Register an account; admins hold every permission."""
    return services.create_user(storage, settings, body=body, by=admin)


@router.get(
    "/users",
    tags=["users"],
    response_model=list[UserRead],
    responses=_errors(403),
    summary="List the users (admin).",
)
def list_users(storage: Store, _: CanAdminister) -> list[UserRead]:
    """Every account, by name."""
    return services.list_users(storage)


@router.get(
    "/users/me",
    tags=["users"],
    response_model=UserRead,
    responses=_errors(403, 404),
    summary="The caller's own account.",
)
def me(storage: Store, user: CurrentUser) -> UserRead:
    """Who the token belongs to, and what it may do."""
    return services.me(storage, user)


@router.delete(
    "/users/{name}",
    tags=["users"],
    response_model=UserDeleted,
    responses=_errors(403, 404, 409),
    summary="Delete a user (an admin, or the user themselves); revokes their tokens.",
)
def delete_user(name: str, storage: Store, user: CurrentUser) -> UserDeleted:
    """Remove the account and make its tokens stop working."""
    services.delete_user(storage, name=name, by=user)
    return UserDeleted(deleted=name)
