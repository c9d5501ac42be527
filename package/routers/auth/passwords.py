"""Password hashing: argon2id (argon2-cffi) with salts, parameters from settings; slow on purpose.

Hashing happens only when an account is created and verification only at login, never per request.
Tests choose cheap parameters through the `REGISTRY_PASSWORD_HASH_*` settings.
Each hash takes its memory cost (64 MiB by default) for its duration, so only a few run at once
(REGISTRY_PASSWORD_HASH_CONCURRENCY); the others wait for a slot, and answer 429 if none frees in time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from package.core.errors import TooManyRequests
from package.routers.auth.config import AuthSettings, get_auth_settings

if TYPE_CHECKING:  # argon2 loads with the first password hashed or checked, not at a Lambda cold start
    from argon2 import PasswordHasher

_DUMMY_PASSWORD = "no account has this password; it only makes unknown names cost a verification"


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    from argon2 import PasswordHasher

    # argon2 needs at least 8 KiB per lane.
    return PasswordHasher(
        time_cost=time_cost, memory_cost=max(memory_kib, 8 * parallelism), parallelism=parallelism
    )


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _semaphore(concurrency: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(concurrency, threading.BoundedSemaphore(concurrency))


@contextmanager
def hashing_slot() -> Iterator[None]:
    """Wait for one of the few hashing slots; TooManyRequests when none frees within the queue time."""
    auth_settings = get_auth_settings()
    slot = _semaphore(auth_settings.password_hash_concurrency)
    if not slot.acquire(timeout=auth_settings.password_hash_queue_seconds):
        raise TooManyRequests(
            "The registry is busy checking other passwords; try again in a few seconds.",
            headers={"Retry-After": "2"},
        )
    try:
        yield
    finally:
        slot.release()


def hasher(settings: AuthSettings) -> PasswordHasher:
    """The hasher with the configured cost."""
    return _hasher(
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_parallelism,
    )


def hash_password(settings: AuthSettings, password: str) -> str:
    """A salted argon2id hash of `password`, in the PHC string format."""
    with hashing_slot():
        return hasher(settings).hash(password)


def verify_password(settings: AuthSettings, password_hash: str, password: str) -> bool:
    """Whether `password` matches the hash (a malformed hash matches nothing)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        with hashing_slot():
            return hasher(settings).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: AuthSettings, password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the configured ones."""
    from argon2.exceptions import InvalidHashError

    try:
        return hasher(settings).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=8)
def _cached_hash(password: str, time_cost: int, memory_kib: int, parallelism: int) -> str:
    with hashing_slot():
        return _hasher(time_cost, memory_kib, parallelism).hash(password)


def hash_once(settings: AuthSettings, password: str) -> str:
    """A hash of a password the process hashes again and again (the default admin's, at every reset)."""
    return _cached_hash(
        password,
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_parallelism,
    )


def burn_verification(settings: AuthSettings, password: str) -> None:
    """Spend the time of a real verification, so an unknown name answers as slowly as a wrong password."""
    verify_password(settings, hash_once(settings, _DUMMY_PASSWORD), password)
