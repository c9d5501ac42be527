"""Access tokens for automation: named, long-lived, a subset of their owner's permissions, stored hashed.

The auth domain creates and revokes them; every container verifies them here with storage alone, as it does
session tokens (`core.tokens`). A token reads `tmr_<id>.<secret>`: the id finds the record, the secret (256
random bits) is kept only as its SHA-256 (a slow password hash buys nothing for a secret this long). Unlike
session tokens they are not limited to 1,000 calls: they end at their expiry, when revoked, or when their
account is deleted or re-created (the account's generation, as for session tokens).

Items this module owns (partition key / sort key):
  ACCESS_TOKEN / <id>        the token: owner, name, hash, permissions, generation, expiry
  ACCESS_TOKEN_USE / <id>    how often it was used (and, written before REGISTRY_WRITE_BEHIND_MS, when last)
  ACCESS_TOKEN_SEEN / <id>   when it was last used (its own item: the use count is merged increments)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from package.core.storage import Delete, Put, Storage
from package.core.tokens import PERMANENT_GENERATION, TokenExpired, TokenRejected, grant_generation
from package.core.write_behind import flush_pending_writes, get_write_behind

PREFIX = "tmr_"
_PK, _USE_PK, _SEEN_PK = "ACCESS_TOKEN", "ACCESS_TOKEN_USE", "ACCESS_TOKEN_SEEN"
_SHAPE = re.compile(r"^tmr_([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{32,128})$")


@dataclass(frozen=True)
class AccessToken:
    """A stored access token (never its secret)."""

    token_id: str
    subject: str
    name: str
    is_admin: bool
    permissions: tuple[str, ...]
    generation: str
    created_at: float
    expires_at: float
    uses: int = 0
    last_used_at: float | None = None

    def to_item(self) -> dict[str, Any]:
        """The stored form, without the usage counters."""
        return {
            "subject": self.subject,
            "name": self.name,
            "is_admin": self.is_admin,
            "permissions": list(self.permissions),
            "generation": self.generation,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
        }


def is_access_token(token: str) -> bool:
    """Whether a presented token is an access token (else it is a session JWT)."""
    return token.startswith(PREFIX)


def _new_id() -> str:
    """A random id that cannot be read as a command-line option: it never starts with '-'."""
    while (token_id := secrets.token_urlsafe(18)).startswith("-"):
        pass
    return token_id


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _from_item(
    token_id: str, item: dict[str, Any], use: dict[str, Any] | None, seen: dict[str, Any] | None = None
) -> AccessToken:
    return AccessToken(
        token_id=token_id,
        subject=str(item["subject"]),
        name=str(item["name"]),
        is_admin=bool(item["is_admin"]),
        permissions=tuple(str(p) for p in item["permissions"]),
        generation=str(item["generation"]),
        created_at=float(item["created_at"]),
        expires_at=float(item["expires_at"]),
        uses=int((use or {}).get("uses", 0)),
        last_used_at=(seen or {}).get("last_used_at", (use or {}).get("last_used_at")),
    )


def create(
    storage: Storage,
    *,
    subject: str,
    name: str,
    is_admin: bool,
    permissions: list[str],
    generation: str,
    lifetime_seconds: float,
    now: float | None = None,
) -> tuple[str, AccessToken]:
    """Store a new token and return its one-time plain text with its record."""
    created = time.time() if now is None else now
    token_id, secret = _new_id(), secrets.token_urlsafe(32)
    token = AccessToken(
        token_id=token_id,
        subject=subject,
        name=name,
        is_admin=is_admin,
        permissions=tuple(sorted(set(permissions))),
        generation=generation,
        created_at=created,
        expires_at=created + lifetime_seconds,
    )
    storage.records.put(_PK, token_id, token.to_item() | {"hash": _digest(secret)}, if_absent=True)
    return f"{PREFIX}{token_id}.{secret}", token


def list_tokens(storage: Storage, *, subject: str | None = None) -> list[AccessToken]:
    """Every stored token (of one subject, if given), oldest first."""
    flush_pending_writes()  # this process's batched uses first
    uses = {r.sk: r.item for r in storage.records.query(_USE_PK)}
    seen = {r.sk: r.item for r in storage.records.query(_SEEN_PK)}
    found = [
        _from_item(r.sk, r.item, uses.get(r.sk), seen.get(r.sk))
        for r in storage.records.query(_PK)
        if subject is None or r.item.get("subject") == subject
    ]
    return sorted(found, key=lambda t: t.created_at)


def get(storage: Storage, token_id: str) -> AccessToken | None:
    """One stored token, or None."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token_id):
        return None
    item = storage.records.get(_PK, token_id)
    if item is None:
        return None
    flush_pending_writes()
    use, seen = storage.records.get(_USE_PK, token_id), storage.records.get(_SEEN_PK, token_id)
    return _from_item(token_id, item, use, seen)


def revoke(storage: Storage, token_id: str) -> None:
    """Delete a token so it stops working at once."""
    flush_pending_writes()  # pending uses must not re-create the items deleted here
    storage.records.transact([Delete(_PK, token_id), Delete(_USE_PK, token_id), Delete(_SEEN_PK, token_id)])


def rewrite_operation(
    storage: Storage, token_id: str, *, generation: str, permissions: list[str], is_admin: bool
) -> Put | None:
    """The write that keeps a token valid for an account whose generation or permissions changed.

    The token keeps only the permissions the account still holds; None when the token is gone.
    """
    item = storage.records.get(_PK, token_id)
    if item is None:
        return None
    kept = sorted(set(item.get("permissions") or []) & set(permissions))
    return Put(_PK, token_id, item | {"generation": generation, "permissions": kept, "is_admin": is_admin})


def verify(storage: Storage, token: str, *, now: float | None = None) -> AccessToken:
    """The token's record if the presented text is a live access token; counts this use."""
    match = _SHAPE.match(token)
    if match is None:
        raise TokenRejected("The access token is malformed: it reads tmr_<id>.<secret>.")
    token_id, secret = match.groups()
    item = storage.records.get(_PK, token_id)
    stored_hash = str((item or {}).get("hash", ""))
    if item is None or not hmac.compare_digest(stored_hash, _digest(secret)):
        raise TokenRejected("The access token is unknown or was revoked.")
    record = _from_item(token_id, item, None)
    moment = time.time() if now is None else now
    if record.expires_at <= moment:
        raise TokenExpired(f"The access token {record.name!r} has expired; create a new one.")
    generation = grant_generation(storage, record.subject)
    granted = generation == record.generation or (
        generation is None and record.generation == PERMANENT_GENERATION
    )
    if not granted:
        raise TokenRejected("The access token's account no longer exists (deleted, or removed by a reset).")
    # Counted off the request path (batched and merged: no use is lost).
    uses = get_write_behind().count(storage, _USE_PK, token_id, "uses")
    if uses % 10 == 1:  # when last used, to a few calls' precision, without a second write per call
        get_write_behind().append(storage, [Put(_SEEN_PK, token_id, {"last_used_at": moment})])
    return record
