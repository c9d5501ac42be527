"""Access tokens for scripts and account changes (`PATCH /users/{name}`), with the account's audit trail."""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from datetime import UTC, datetime

from package.core import access_tokens, tokens
from package.core.auth_middleware import Permission, Principal
from package.core.errors import BadRequest, Forbidden
from package.core.storage import ConditionFailed, Put, Storage, StorageError
from package.routers.auth import database, passwords, throttle
from package.routers.auth.config import AuthSettings
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
    StoredUser,
    UserRead,
    UserUpdate,
)

logger = logging.getLogger("registry.auth")

MAX_TOKENS_PER_USER = 50


def _audit(storage: Storage, *, user: str, action: str, by: str, detail: str | None = None) -> None:
    now = datetime.now(UTC)
    event = AccountEvent(date=now, user=user, action=action, by=by, detail=detail)
    database.add_account_event(
        storage, user, f"{now.isoformat()}#{secrets.token_hex(4)}", event.model_dump(mode="json")
    )
    logger.info("account %s", action, extra={"user": user, "by": by, "detail": detail})


def _session_only(principal: Principal, what: str) -> None:
    if principal.access_token_id is not None:
        raise Forbidden(f"An access token cannot {what}; log in with PUT /authenticate and use that token.")


def _when(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


def _read(token: access_tokens.AccessToken) -> AccessTokenRead:
    known = {p.value for p in Permission}
    return AccessTokenRead(
        id=token.token_id,
        name=token.name,
        user=token.subject,
        permissions=[Permission(p) for p in token.permissions if p in known],
        created_at=datetime.fromtimestamp(token.created_at, UTC),
        expires_at=datetime.fromtimestamp(token.expires_at, UTC),
        last_used_at=_when(token.last_used_at),
        uses=token.uses,
    )


def _account(storage: Storage, name: str) -> StoredUser:
    user = database.get_user(storage, name)
    if user is None:
        raise UserNotFound(f"No user is named {name!r}.")
    return user


def create_access_token(storage: Storage, *, body: AccessTokenCreate, by: Principal) -> AccessTokenCreated:
    """A new named token for the caller with a subset of their permissions; its secret is shown once."""
    _session_only(by, "create access tokens")
    user = _account(storage, by.name)
    wanted = set(user.permissions if body.permissions is None else body.permissions)
    if not wanted:
        raise BadRequest("An access token needs at least one permission.")
    beyond = sorted(p.value for p in wanted - set(user.permissions))
    if beyond:
        raise Forbidden(
            f"{user.name!r} does not hold {beyond}: a token gets a subset of its owner's permissions."
        )
    mine = access_tokens.list_tokens(storage, subject=user.name)
    if any(t.name == body.name for t in mine):
        raise AccessTokenConflict(
            f"{user.name!r} has a token named {body.name!r} already; revoke it or rename."
        )
    if len(mine) >= MAX_TOKENS_PER_USER:
        raise AccessTokenConflict(
            f"{user.name!r} holds {MAX_TOKENS_PER_USER} tokens, the most allowed; revoke some."
        )
    secret, token = access_tokens.create(
        storage,
        subject=user.name,
        name=body.name,
        is_admin=user.is_admin and Permission.ADMIN in wanted,
        permissions=[p.value for p in wanted],
        generation=user.generation,
        lifetime_seconds=body.expires_in_days * 86400,
    )
    detail = f"{token.token_id} {body.name}"
    _audit(storage, user=user.name, action="token_created", by=by.name, detail=detail)
    return AccessTokenCreated(**_read(token).model_dump(), token=secret)


def list_access_tokens(storage: Storage, *, user: str | None, by: Principal) -> list[AccessTokenRead]:
    """The caller's tokens (an admin may name another user, or `*` for everyone's), oldest first."""
    name = by.name if user is None else user
    if name != by.name and not by.is_admin:
        raise Forbidden("Only an admin may list another user's tokens.")
    subject = None if name == "*" else name
    return [_read(t) for t in access_tokens.list_tokens(storage, subject=subject)]


def revoke_access_token(storage: Storage, *, token_id: str, by: Principal) -> AccessTokenRead:
    """Revoke one token at once (its owner or an admin)."""
    token = access_tokens.get(storage, token_id)
    if token is None or (token.subject != by.name and not by.is_admin):
        raise AccessTokenNotFound(f"No access token of yours has id {token_id!r}.")
    access_tokens.revoke(storage, token.token_id)
    _audit(storage, user=token.subject, action="token_revoked", by=by.name, detail=f"{token_id} {token.name}")
    return _read(token)


def account_events(storage: Storage, *, name: str, by: Principal) -> list[AccountEvent]:
    """An account's audit trail (the account itself or an admin)."""
    if name != by.name and not by.is_admin:
        raise Forbidden("Only an admin may read another user's audit trail.")
    _account(storage, name)
    return [AccountEvent.model_validate(item) for item in database.account_events(storage, name)]


def update_user(
    storage: Storage, settings: AuthSettings, *, name: str, body: UserUpdate, by: Principal, client: str
) -> UserRead:
    """Change an account: an admin its permissions, the user their own password (with the old one).

    Either change starts a new account generation: session tokens issued before stop working, access
    tokens follow it and keep only the permissions the account still holds.
    """
    _session_only(by, "change accounts")
    user = _account(storage, name)
    changes: dict[str, object] = {}
    if body.permissions is not None or body.is_admin is not None:
        changes |= _permission_changes(user, body, by)
    if body.password is not None:
        changes["password_hash"] = _new_password_hash(storage, settings, user, body, by, client)
    elif body.old_password is not None:
        raise BadRequest("`old_password` goes with a new `password`.")
    if not changes:
        raise BadRequest("Nothing to change: send `permissions`/`is_admin` (admins) or `password`.")
    generation = user.generation
    if generation != tokens.PERMANENT_GENERATION:
        generation = secrets.token_urlsafe(12)
    new = user.model_copy(update=changes | {"generation": generation})
    rewrites = _token_rewrites(storage, new)
    try:
        database.update_user(storage, user, new, rewrites)
    except ConditionFailed as exc:
        raise AccountConflict(f"The account {name!r} changed meanwhile; try again.") from exc
    with contextlib.suppress(StorageError):  # only tidying: sessions of the old generation are refused anyway
        tokens.forget_uses(storage, name)
    detail = ",".join(sorted(k for k in changes if k != "password_hash"))
    if "password_hash" in changes:
        detail = ",".join(filter(None, [detail, "password"]))
    _audit(storage, user=name, action="account_changed", by=by.name, detail=detail)
    return new.public()


def _permission_changes(user: StoredUser, body: UserUpdate, by: Principal) -> dict[str, object]:
    if not by.is_admin:
        raise Forbidden("Only an admin may change permissions.")
    if user.generation == tokens.PERMANENT_GENERATION:  # the default admin
        raise AccountConflict("The default admin keeps every permission.")
    permissions = set(user.permissions if body.permissions is None else body.permissions)
    is_admin = user.is_admin if body.is_admin is None else body.is_admin
    if body.is_admin is None and body.permissions is not None:
        is_admin = Permission.ADMIN in permissions
    if is_admin:
        permissions = set(Permission)
    else:
        permissions.discard(Permission.ADMIN)
    return {"is_admin": is_admin, "permissions": [p for p in Permission if p in permissions]}


def _new_password_hash(
    storage: Storage, settings: AuthSettings, user: StoredUser, body: UserUpdate, by: Principal, client: str
) -> str:
    if by.name != user.name:
        raise Forbidden("A password is changed by its own user (with the old password).")
    if body.old_password is None:
        raise BadRequest("Send `old_password` with the new `password`.")
    now = time.time()
    throttle.check(storage, settings, name=user.name, client=client, now=now)
    if not passwords.verify_password(settings, user.password_hash, body.old_password):
        throttle.failed(storage, name=user.name, client=client, now=now)
        raise Forbidden("The old password is wrong.")
    throttle.succeeded(storage, name=user.name, client=client)
    assert body.password is not None  # checked by the caller
    return passwords.hash_password(settings, body.password)


def _token_rewrites(storage: Storage, user: StoredUser) -> list[Put]:
    allowed = [p.value for p in user.permissions]
    rewrites = []
    for token in access_tokens.list_tokens(storage, subject=user.name):
        put = access_tokens.rewrite_operation(
            storage, token.token_id, generation=user.generation, permissions=allowed, is_admin=user.is_admin
        )
        if put is not None:
            rewrites.append(put)
    return rewrites


def forget_tokens_of(storage: Storage, name: str) -> None:
    """Revoke every access token of a deleted account (a re-created account must not inherit them)."""
    for token in access_tokens.list_tokens(storage, subject=name):
        access_tokens.revoke(storage, token.token_id)
