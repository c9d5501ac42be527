"""Access tokens: HS256 JWTs signed with one registry-wide secret and checked against storage.

The auth domain issues tokens and grants them to accounts; every container verifies them here with
nothing but storage and settings, so a container that does not mount the auth domain still checks them.
Items this module owns (partition key / sort key):
  AUTH_SECRET / jwt                 the generated signing secret, when REGISTRY_JWT_SECRET is unset
  TOKEN_GRANT#<subject> / grant     the account generation a subject's tokens must carry (revocation)
  TOKEN_USE#<subject> / <token id>  how often a token has been used, and when it expires
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from package.core.config import Settings, get_settings
from package.core.errors import Forbidden
from package.core.storage import ConditionFailed, Delete, Put, Storage
from package.core.write_behind import flush_pending_writes, get_write_behind

ALGORITHM = "HS256"
ISSUER = "trustworthy-model-registry"
_SECRET_PK, _SECRET_SK = "AUTH_SECRET", "jwt"
_GRANT_SK = "grant"
PERMANENT_GENERATION = "permanent"
"""The generation of an account that cannot be deleted (the default admin): its tokens need no grant, so
they keep working across a reset, even one done by a container that does not mount the auth domain."""

_secret_lock = threading.Lock()
_secrets_by_storage: dict[str, str] = {}
# Tokens whose signature and claims this process has checked, by (secret, token): HS256 verification was the
# largest registry-owned share of a download request's CPU (bench/download_cost.py). A new secret checks
# afresh; expiry is checked on every use; grants (revocation) and use counts are read as before.
_VERIFIED_MAX = 4096
_verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
_verified_lock = threading.Lock()


class TokenRejected(Forbidden):
    """The token is missing, malformed, forged or revoked."""

    code = "invalid_token"


class TokenExpired(Forbidden):
    """The token outlived its lifetime."""

    code = "token_expired"


class TokenUsedUp(Forbidden):
    """The token was used as often as a token may be."""

    code = "token_used_up"


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says about its bearer."""

    subject: str
    is_admin: bool
    permissions: tuple[str, ...]
    generation: str
    token_id: str
    issued_at: int
    expires_at: int


def _grant_pk(subject: str) -> str:
    return f"TOKEN_GRANT#{subject}"


def _use_pk(subject: str) -> str:
    return f"TOKEN_USE#{subject}"


def _signing_secret(storage: Storage, settings: Settings, *, fresh: bool = False) -> str:
    """The secret to sign and verify with: the configured one, else the one kept in storage.

    The stored secret is cached per process; `fresh` re-reads storage and writes the cached (or a new)
    secret back when storage lost it (a reset clears every record), so containers keep agreeing.
    """
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    key = storage.description
    with _secret_lock:
        cached = _secrets_by_storage.get(key)
    if cached is not None and not fresh:
        return cached
    stored = storage.records.get(_SECRET_PK, _SECRET_SK)
    if stored is None:
        candidate = cached or secrets.token_urlsafe(48)
        try:
            storage.records.put(_SECRET_PK, _SECRET_SK, {"secret": candidate}, if_absent=True)
            stored = {"secret": candidate}
        except ConditionFailed:  # another process stored one first: everyone uses that one
            stored = storage.records.get(_SECRET_PK, _SECRET_SK) or {"secret": candidate}
    secret = str(stored["secret"])
    with _secret_lock:
        _secrets_by_storage[key] = secret
    return secret


def ensure_signing_secret(storage: Storage, settings: Settings) -> None:
    """Make storage hold the secret this process signs with (at start-up, login and after a reset)."""
    _signing_secret(storage, settings, fresh=True)


def restore_after_reset(storage: Storage) -> None:
    """Put the signing secret back after a reset cleared storage, so tokens issued before stay valid."""
    ensure_signing_secret(storage, get_settings())


def grant_operation(subject: str, generation: str) -> Put:
    """The write that lets tokens of `subject` carrying `generation` be accepted (part of a transaction)."""
    return Put(_grant_pk(subject), _GRANT_SK, {"generation": generation})


def grant_generation(storage: Storage, subject: str) -> str | None:
    """The account generation whose tokens are accepted for `subject`, or None when none is granted."""
    grant = storage.records.get(_grant_pk(subject), _GRANT_SK)
    return None if grant is None else str(grant.get("generation"))


def revoke_operation(subject: str) -> Delete:
    """The write that makes every token of `subject` rejected (part of a transaction)."""
    return Delete(_grant_pk(subject), _GRANT_SK)


def forget_uses(storage: Storage, subject: str, *, expired_before: float | None = None) -> int:
    """Drop the usage counts of a subject's tokens (only those expired before a time, if given)."""
    dropped = 0
    flush_pending_writes()  # pending uses must not re-create the items dropped here
    for record in storage.records.query(_use_pk(subject)):
        expires_at = record.item.get("expires_at")
        if expired_before is None or (isinstance(expires_at, int | float) and expires_at < expired_before):
            storage.records.delete(record.pk, record.sk)
            dropped += 1
    return dropped


def issue_token(
    storage: Storage,
    settings: Settings,
    *,
    subject: str,
    is_admin: bool,
    permissions: Iterable[str],
    generation: str,
    lifetime_seconds: float,
    now: float | None = None,
) -> str:
    """A signed token for `subject`, valid for `lifetime_seconds` and the configured number of uses."""
    issued_at = int(time.time() if now is None else now)
    expires_at = issued_at + max(1, round(lifetime_seconds))
    token_id = secrets.token_urlsafe(18)
    claims = {
        "iss": ISSUER,
        "sub": subject,
        "adm": is_admin,
        "perms": sorted(set(permissions)),
        "gen": generation,
        "iat": issued_at,
        "exp": expires_at,
        "jti": token_id,
    }
    secret = _signing_secret(storage, settings, fresh=True)
    storage.records.put(_use_pk(subject), token_id, {"uses": 0, "expires_at": expires_at})
    from jose import jwt  # on first use: it pulls in cryptography (~0.3 s of a Lambda cold start)

    encoded: str = jwt.encode(claims, secret, algorithm=ALGORITHM)
    return encoded


def _decode(storage: Storage, settings: Settings, token: str) -> dict[str, Any]:
    from jose import jwt  # on first use, as in issue_token

    options = {"require_exp": True, "require_iat": True, "require_sub": True, "require_jti": True}
    secret = _signing_secret(storage, settings)
    known = _already_verified(secret, token)
    if known is not None:
        return known
    for attempt in range(2):
        try:
            claims: dict[str, Any] = jwt.decode(
                token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options=options
            )
            _remember_verified(secret, token, claims)
            return claims
        except ExpiredSignatureError as exc:
            raise TokenExpired("The token has expired; authenticate again with PUT /authenticate.") from exc
        except JWTClaimsError as exc:
            raise TokenRejected(f"The token's claims are invalid: {exc}.") from exc
        except (JWTError, ValueError, TypeError, UnicodeError) as exc:
            if attempt == 0 and settings.jwt_secret is None:
                # Another container may have replaced a lost secret: verify once more with storage's.
                fresh = _signing_secret(storage, settings, fresh=True)
                if fresh != secret:
                    secret = fresh
                    continue
            raise TokenRejected(
                "The token is not one this registry issued (malformed, altered or wrongly signed)."
            ) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _already_verified(secret: str, token: str) -> dict[str, Any] | None:
    """The claims of a token this process verified with `secret` (expiry checked now), else None."""
    with _verified_lock:
        claims = _verified.get((secret, token))
        if claims is not None:
            _verified.move_to_end((secret, token))
    if claims is None:
        return None
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < time.time():
        with _verified_lock:
            _verified.pop((secret, token), None)
        raise TokenExpired("The token has expired; authenticate again with PUT /authenticate.")
    return dict(claims)


def _remember_verified(secret: str, token: str, claims: dict[str, Any]) -> None:
    with _verified_lock:
        _verified[(secret, token)] = dict(claims)
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)


def _parse(claims: dict[str, Any]) -> TokenClaims:
    subject, generation, token_id = claims.get("sub"), claims.get("gen"), claims.get("jti")
    permissions, is_admin = claims.get("perms"), claims.get("adm")
    if not (
        isinstance(subject, str)
        and subject
        and isinstance(generation, str)
        and isinstance(token_id, str)
        and token_id
        and isinstance(is_admin, bool)
        and isinstance(permissions, list)
        and all(isinstance(p, str) for p in permissions)
    ):
        raise TokenRejected("The token lacks the claims this registry puts in its tokens.")
    return TokenClaims(
        subject=subject,
        is_admin=is_admin,
        permissions=tuple(permissions),
        generation=generation,
        token_id=token_id,
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )


def verify_token(storage: Storage, settings: Settings, token: str) -> TokenClaims:
    """The claims of a token this registry issued, still granted and not used up; counts this use."""
    claims = _parse(_decode(storage, settings, token))
    grant = storage.records.get(_grant_pk(claims.subject), _GRANT_SK)
    if grant is None:
        granted = claims.generation == PERMANENT_GENERATION
    else:
        granted = grant.get("generation") == claims.generation
    if not granted:
        raise TokenRejected(
            "The token's account no longer exists (deleted, or removed by a reset); authenticate again."
        )
    # Counted off the request path (batched, merged, exact), as this process knows the count.
    uses = get_write_behind().count(storage, _use_pk(claims.subject), claims.token_id, "uses")
    if uses > settings.token_max_uses:
        raise TokenUsedUp(
            f"The token has been used {settings.token_max_uses} times, as often as a token may be; "
            "authenticate again with PUT /authenticate."
        )
    return claims
