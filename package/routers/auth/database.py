"""Every storage access of the auth domain.

Item layout (partition key / sort key):
  USER / <name>                           an account (argon2id hash, permissions, generation)
  LOGIN_FAILURES#<scope>:<digest> / count  failed logins of one name or client address
  LOGIN_FAILURES#<scope>:<digest> / last   when the latest of them happened
  LOGIN_FAILURES#name:<digest> / lease     a login of that name being checked right now, and until when
Token grants and usage counts belong to `package.core.tokens`; account writes include its grant operations
in the same transaction, so an account and the acceptance of its tokens appear and vanish together.
"""

from __future__ import annotations

import hashlib

from package.core import tokens
from package.core.storage import Check, ConditionFailed, Delete, Put, Storage
from package.routers.auth.interface import StoredUser

USER = "USER"
_MAX_NAME_CHARS = 256  # longer names cannot be accounts; never used as keys


def get_user(storage: Storage, name: str) -> StoredUser | None:
    """The account with this name, or None."""
    if not name or len(name) > _MAX_NAME_CHARS:
        return None
    item = storage.records.get(USER, name)
    return None if item is None else StoredUser.model_validate(item)


def list_users(storage: Storage) -> list[StoredUser]:
    """Every account, by name."""
    return [StoredUser.model_validate(record.item) for record in storage.records.query(USER)]


def create_user(storage: Storage, user: StoredUser) -> None:
    """Store a new account and grant its tokens; ConditionFailed when the name is taken."""
    storage.records.transact(
        [
            Put(USER, user.name, user.model_dump(mode="json"), if_absent=True),
            tokens.grant_operation(user.name, user.generation),
        ]
    )


def replace_password_hash(storage: Storage, user: StoredUser, password_hash: str) -> None:
    """Store a re-computed hash (stronger parameters), unless the account changed meanwhile."""
    updated = user.model_copy(update={"password_hash": password_hash})
    storage.records.transact(
        [
            Check(USER, user.name, equals={"generation": user.generation}),
            Put(USER, user.name, updated.model_dump(mode="json")),
        ]
    )


def delete_user(storage: Storage, name: str) -> None:
    """Remove an account and revoke its tokens; ConditionFailed when it does not exist."""
    storage.records.transact([Check(USER, name), Delete(USER, name), tokens.revoke_operation(name)])
    tokens.forget_uses(storage, name)


def _failures_pk(scope: str, who: str) -> str:
    digest = hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"LOGIN_FAILURES#{scope}:{digest}"


def login_failures(storage: Storage, scope: str, who: str) -> tuple[int, float]:
    """How many failed logins `who` has had lately, and when the latest was (epoch seconds)."""
    pk = _failures_pk(scope, who)
    count = storage.records.get(pk, "count")
    last = storage.records.get(pk, "last")
    if count is None:
        return 0, 0.0
    return int(count.get("failures", 0)), float(last["at"]) if last else 0.0


def add_login_failure(storage: Storage, scope: str, who: str, at: float) -> int:
    """Count one more failed login (atomically) and return the new count."""
    pk = _failures_pk(scope, who)
    failures = storage.records.increment(pk, "count", "failures")
    storage.records.put(pk, "last", {"at": at})
    return failures


def forget_login_failures(storage: Storage, scope: str, who: str) -> None:
    """Start `who` afresh."""
    pk = _failures_pk(scope, who)
    storage.records.transact([Delete(pk, "count"), Delete(pk, "last")])


def _audit_pk(name: str) -> str:
    return f"AUTH_AUDIT#{name}"


def update_user(storage: Storage, old: StoredUser, new: StoredUser, extra: list[Put]) -> None:
    """Replace an account (granting its new generation) unless it changed meanwhile, else ConditionFailed."""
    operations: list[Put | Check | Delete] = [
        Check(USER, old.name, equals={"generation": old.generation}),
        Put(USER, new.name, new.model_dump(mode="json")),
    ]
    if new.generation != old.generation:
        operations.append(tokens.grant_operation(new.name, new.generation))
    storage.records.transact([*operations, *extra])


def add_account_event(storage: Storage, name: str, sort_key: str, item: dict[str, object]) -> None:
    """Append an entry to an account's audit trail."""
    storage.records.put(_audit_pk(name), sort_key, item)


def account_events(storage: Storage, name: str) -> list[dict[str, object]]:
    """An account's audit trail, oldest first."""
    return [record.item for record in storage.records.query(_audit_pk(name))]


def take_login_lease(storage: Storage, who: str, *, now: float, seconds: float) -> bool:
    """Claim the right to check one login of `who` (atomically); False while another holds a live one."""
    pk = _failures_pk("name", who)
    try:
        storage.records.put(pk, "lease", {"until": now + seconds}, if_absent=True)
        return True
    except ConditionFailed:
        pass
    held = storage.records.get(pk, "lease")
    if held is not None and float(held.get("until", 0)) > now:
        return False
    # The holder died (or released it just now): take it over unless someone else did first.
    expected = (
        Check(pk, "lease", equals={"until": held["until"]}) if held else Check(pk, "lease", exists=False)
    )
    try:
        storage.records.transact([expected, Put(pk, "lease", {"until": now + seconds})])
    except ConditionFailed:
        return False
    return True


def release_login_lease(storage: Storage, who: str) -> None:
    """Let the next login of `who` be checked."""
    storage.records.delete(_failures_pk("name", who), "lease")
