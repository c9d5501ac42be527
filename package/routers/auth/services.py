"""The auth domain's public face: log in for a token, manage accounts, keep the default admin."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from datetime import UTC, datetime

from package.core import events, tokens
from package.core.auth_middleware import Permission, Principal
from package.core.config import Settings, get_settings
from package.core.errors import Forbidden
from package.core.storage import ConditionFailed, Storage, get_storage
from package.routers.auth import database, passwords, throttle
from package.routers.auth.access import forget_tokens_of
from package.routers.auth.config import AuthSettings, get_auth_settings
from package.routers.auth.errors import InvalidLogin, UserConflict, UserNotFound
from package.routers.auth.interface import StoredUser, UserCreate, UserRead

logger = logging.getLogger("registry.auth")

DEFAULT_ADMIN_NAME = "ece30861defaultadminuser"
_BAD_LOGIN = "The user or password is invalid."


def _default_admin(settings: AuthSettings) -> StoredUser:
    return StoredUser(
        name=DEFAULT_ADMIN_NAME,
        password_hash=passwords.hash_once(settings, settings.default_admin_password.get_secret_value()),
        is_admin=True,
        permissions=list(Permission),
        generation=tokens.PERMANENT_GENERATION,  # its tokens survive resets
        created_at=datetime.now(UTC),
    )


def ensure_default_admin(storage: Storage, settings: AuthSettings) -> bool:
    """Create the default admin unless it exists; returns whether it was created."""
    if database.get_user(storage, DEFAULT_ADMIN_NAME) is not None:
        # Every start after the first (each Lambda cold start): no argon2 hash, which costs ~0.1-0.3 s.
        return False
    try:
        database.create_user(storage, _default_admin(settings))
    except ConditionFailed:
        return False
    logger.info("default admin created")
    return True


def restore_default_admin(storage: Storage) -> None:
    """After a reset: the default admin again, as at first start."""
    ensure_default_admin(storage, get_auth_settings())


def register_hooks() -> None:
    """Restore the default admin after every `DELETE /reset` (the token check keeps the signing secret)."""
    events.on_reset(restore_default_admin)


def on_startup() -> None:
    """The default admin and the signing secret exist from the first start."""
    storage = get_storage()
    tokens.ensure_signing_secret(storage, get_settings())
    ensure_default_admin(storage, get_auth_settings())


def authenticate(
    storage: Storage,
    settings: Settings,
    *,
    name: str,
    password: str,
    client: str,
    auth_settings: AuthSettings | None = None,
) -> str:
    """The spec's AuthenticationToken (`bearer <JWT>`) for a correct name and password.

    Unauthorized for a wrong name or password (both answer alike, in about the same time);
    TooManyRequests while repeated failures for the name or client make it wait.
    """
    policy = get_auth_settings() if auth_settings is None else auth_settings
    now = time.time()
    with throttle.single_flight(storage, name=name, client=client, now=now):
        throttle.check(storage, policy, name=name, client=client, now=now)
        user = _verified_user(storage, policy, name=name, password=password, client=client, now=now)
    tokens.forget_uses(storage, user.name, expired_before=now)
    token = tokens.issue_token(
        storage,
        settings,
        subject=user.name,
        is_admin=user.is_admin,
        permissions=[p.value for p in user.permissions],
        generation=user.generation,
        lifetime_seconds=policy.token_lifetime_seconds,
        now=now,
    )
    return f"bearer {token}"


def _verified_user(
    storage: Storage, settings: AuthSettings, *, name: str, password: str, client: str, now: float
) -> StoredUser:
    """The account if the password is right (failures counted), else Unauthorized."""
    user = database.get_user(storage, name)
    if user is None and name == DEFAULT_ADMIN_NAME and ensure_default_admin(storage, settings):
        user = database.get_user(storage, name)  # e.g. reset by a container that does not mount auth
    if user is None:
        passwords.burn_verification(settings, password)
        throttle.failed(storage, name=name, client=client, now=now)
        raise InvalidLogin(_BAD_LOGIN)
    if not passwords.verify_password(settings, user.password_hash, password):
        throttle.failed(storage, name=name, client=client, now=now)
        logger.info("failed login", extra={"user": name, "client": client})
        raise InvalidLogin(_BAD_LOGIN)
    throttle.succeeded(storage, name=name, client=client)
    if passwords.needs_rehash(settings, user.password_hash):
        with contextlib.suppress(ConditionFailed):  # the account changed meanwhile: next login upgrades it
            database.replace_password_hash(storage, user, passwords.hash_password(settings, password))
    return user


def create_user(
    storage: Storage, *, body: UserCreate, by: Principal, auth_settings: AuthSettings | None = None
) -> UserRead:
    """Register an account (Conflict when the name is taken); admins hold every permission."""
    settings = get_auth_settings() if auth_settings is None else auth_settings
    if body.name == DEFAULT_ADMIN_NAME:
        raise UserConflict(f"{DEFAULT_ADMIN_NAME!r} is the default admin's name.")
    permissions = set(body.permissions)
    is_admin = body.is_admin or Permission.ADMIN in permissions
    if is_admin:
        permissions = set(Permission)
    user = StoredUser(
        name=body.name,
        password_hash=passwords.hash_password(settings, body.password),
        is_admin=is_admin,
        permissions=[p for p in Permission if p in permissions],
        generation=secrets.token_urlsafe(12),
        created_at=datetime.now(UTC),
        created_by=by.name,
    )
    try:
        database.create_user(storage, user)
    except ConditionFailed as exc:
        raise UserConflict(f"A user named {body.name!r} exists already.") from exc
    logger.info("user created", extra={"user": user.name, "by": by.name, "admin": is_admin})
    return user.public()


def list_users(storage: Storage) -> list[UserRead]:
    """Every account, by name."""
    return [user.public() for user in database.list_users(storage)]


def me(storage: Storage, principal: Principal) -> UserRead:
    """The caller's own account."""
    user = database.get_user(storage, principal.name)
    if user is None:
        raise UserNotFound(f"The account {principal.name!r} no longer exists.")
    return user.public()


def delete_user(storage: Storage, *, name: str, by: Principal) -> None:
    """Remove an account and revoke its tokens; admins may remove anyone, others only themselves."""
    if not by.is_admin and by.name != name:
        raise Forbidden("Only an admin may delete another user's account.")
    if name == DEFAULT_ADMIN_NAME:
        raise UserConflict("The default admin cannot be deleted (a reset restores it as it was).")
    try:
        database.delete_user(storage, name)
    except ConditionFailed as exc:
        raise UserNotFound(f"No user is named {name!r}.") from exc
    forget_tokens_of(storage, name)
    logger.info("user deleted", extra={"user": name, "by": by.name})
