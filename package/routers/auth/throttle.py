"""Slowing down password guessing: failed logins per name and per client address make later ones wait.

After a number of free failures each further one doubles the wait (up to a ceiling), and failures are
forgotten after a quiet period, so a real user is slowed while someone guesses, never locked out for good.
A name's failures count per client address: a guesser elsewhere cannot lock its real user out.
A login attempted while waiting is answered 429 with Retry-After and its password is not even checked.
Only one login of a name (from one client) is checked at a time: the check and the count of its outcome
happen under a lease in storage, so a burst of concurrent guesses cannot all pass the check first.
Counts live in storage, so every container applies the same limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from package.core.errors import TooManyRequests
from package.core.storage import Storage
from package.routers.auth import database
from package.routers.auth.config import AuthSettings

NAME, CLIENT = "name", "client"
LEASE_SECONDS = 60.0  # longer than any one check (hashing queue included); a crashed holder's lease expires


def _free_failures(settings: AuthSettings, scope: str) -> int:
    if scope == NAME:
        return settings.login_free_failures_per_name
    return settings.login_free_failures_per_client


def wait_seconds(settings: AuthSettings, scope: str, failures: int) -> float:
    """How long after the latest failure the next attempt must wait."""
    extra = failures - _free_failures(settings, scope)
    if extra < 0:
        return 0.0
    return min(
        settings.login_backoff_max_seconds, settings.login_backoff_base_seconds * 2.0 ** min(extra, 60)
    )


def check(storage: Storage, settings: AuthSettings, *, name: str, client: str, now: float) -> None:
    """Refuse (429 with Retry-After) while the name or the client address must wait."""
    for scope, who in ((NAME, _name_key(name, client)), (CLIENT, client)):
        failures, last = database.login_failures(storage, scope, who)
        if failures == 0:
            continue
        if now - last > settings.login_failures_forget_seconds:
            database.forget_login_failures(storage, scope, who)
            continue
        remaining = last + wait_seconds(settings, scope, failures) - now
        if remaining > 0:
            subject = "this user name" if scope == NAME else "this client"
            raise TooManyRequests(
                f"Too many failed logins for {subject}; try again in {math.ceil(remaining)} seconds.",
                headers={"Retry-After": str(math.ceil(remaining))},
            )


@contextmanager
def single_flight(storage: Storage, *, name: str, client: str, now: float) -> Iterator[None]:
    """Hold the name's login lease while one attempt is checked and counted; 429 while another holds it."""
    key = _name_key(name, client)
    if not database.take_login_lease(storage, key, now=now, seconds=LEASE_SECONDS):
        raise TooManyRequests(
            "Another login for this user name is being checked; try again in 1 second.",
            headers={"Retry-After": "1"},
        )
    try:
        yield
    finally:
        database.release_login_lease(storage, key)


def failed(storage: Storage, *, name: str, client: str, now: float) -> None:
    """Count a failed login against the name and the client address."""
    database.add_login_failure(storage, NAME, _name_key(name, client), now)
    database.add_login_failure(storage, CLIENT, client, now)


def succeeded(storage: Storage, *, name: str, client: str) -> None:
    """A correct password clears the name's failures (not the client's: it may be guessing other names)."""
    database.forget_login_failures(storage, NAME, _name_key(name, client))


def _name_key(name: str, client: str) -> str:
    return f"{client} {name}"
