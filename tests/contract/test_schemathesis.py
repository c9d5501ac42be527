"""Contract fuzzing (issue 13): schemathesis over the spec with a valid token, within a time budget.

Every operation of the spec gets generated requests (valid and invalid); each answer must be no server
error, and its status code, content type, headers and body must conform to the spec.
"""

from __future__ import annotations

import time
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from package.core.security_settings import get_security_settings
from tests.conftest import login

# The spec's schemas carry fewer constraints than its prose (an empty query list, a non-numeric offset, an
# empty name are "formed improperly": 400), so schema-valid requests may rightly be refused.
EXCLUDED_CHECKS = [positive_data_acceptance]
SPEC = Path(__file__).with_name("ece461_fall_2025_openapi_spec.yaml")
SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "openapi" / SPEC.name
BUDGET_SECONDS = 100.0  # the whole run, so `make test` stays bounded
EXAMPLES_PER_OPERATION = 25


def test_the_vendored_spec_is_the_shared_one():
    if SHARED_SPEC.exists():  # the shared folder sits beside the repository in development and CI
        assert SHARED_SPEC.read_text() == SPEC.read_text()


def test_no_server_errors_and_conforming_answers(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_TOKEN_MAX_USES", "1000000")
    # 429 (login throttle, rate limit) is our addition to the spec's codes: tests/core/test_limits.py and
    # tests/routers/auth cover it; here it would only hide what the fuzzer finds behind "slow down".
    monkeypatch.setenv("REGISTRY_LOGIN_FREE_FAILURES_PER_NAME", "1000000")
    monkeypatch.setenv("REGISTRY_LOGIN_FREE_FAILURES_PER_CLIENT", "1000000")
    monkeypatch.setenv("REGISTRY_RATE_LIMIT_PER_MINUTE", "0")
    get_security_settings.cache_clear()
    from package.core.config import clear_settings_caches

    clear_settings_caches()  # core's and every domain's (the login throttle's are the auth domain's)
    token = login(TestClient(client.app))
    schema = schemathesis.openapi.from_path(SPEC)
    schema.app = client.app
    deadline = time.monotonic() + BUDGET_SECONDS
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the spec itself must load
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case):
            nonlocal calls
            if time.monotonic() > deadline:
                return
            calls += 1
            # The admin's view of /health/components cannot conform: the spec's HealthMetricValue is a oneOf
            # of integer and number, which every integer matches twice. The public view has no metrics.
            public = case.path == "/health/components"
            try:
                case.call_and_validate(
                    headers={} if public else {"X-Authorization": token}, excluded_checks=EXCLUDED_CHECKS
                )
            except (AssertionError, BaseExceptionGroup) as exc:  # collect them all, report them together
                failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:800]}")

        run()
    assert calls > 100
    assert not failures, "\n\n".join(failures[:20])
