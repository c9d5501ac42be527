"""Login throttling: free failures, doubling waits with a ceiling, and forgetting after a quiet period."""

from __future__ import annotations

import pytest

from package.core.errors import TooManyRequests
from package.core.storage import get_storage
from package.routers.auth import throttle
from package.routers.auth.config import AuthSettings


@pytest.fixture
def settings(registry_env):
    return AuthSettings()


def test_wait_doubles_after_the_free_failures_up_to_the_ceiling(settings):
    waits = [throttle.wait_seconds(settings, throttle.NAME, n) for n in range(1, 16)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [1, 2, 4, 8, 16]
    assert max(waits) == settings.login_backoff_max_seconds == 300
    assert throttle.wait_seconds(settings, throttle.CLIENT, 19) == 0
    assert throttle.wait_seconds(settings, throttle.CLIENT, 20) == 1


def test_waiting_ends_and_failures_are_forgotten(settings):
    storage, now = get_storage(), 1_000_000.0
    for _ in range(8):
        throttle.failed(storage, name="ann", client="10.0.0.1", now=now)
    with pytest.raises(TooManyRequests) as refused:
        throttle.check(storage, settings, name="ann", client="10.0.0.1", now=now + 1)
    assert refused.value.headers["Retry-After"] == "7"  # 8 failures: wait 8 s after the latest
    throttle.check(storage, settings, name="ann", client="10.0.0.2", now=now + 1)  # the real user, elsewhere
    throttle.check(storage, settings, name="ann", client="10.0.0.1", now=now + 8.5)
    throttle.check(storage, settings, name="bob", client="10.0.0.1", now=now + 1)  # client still has slack
    throttle.check(storage, settings, name="ann", client="10.0.0.1", now=now + 901)
    throttle.failed(storage, name="ann", client="10.0.0.1", now=now + 902)
    throttle.check(storage, settings, name="ann", client="10.0.0.1", now=now + 902)  # counts from zero again


def test_success_clears_the_name_but_not_the_client(settings):
    storage, now = get_storage(), 1_000_000.0
    for i in range(25):
        throttle.failed(storage, name=f"user{i % 5}", client="10.0.0.9", now=now)
    throttle.succeeded(storage, name="user0", client="10.0.0.9")
    with pytest.raises(TooManyRequests, match="this client"):
        throttle.check(storage, settings, name="user0", client="10.0.0.9", now=now + 1)
