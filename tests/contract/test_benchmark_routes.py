"""Contract fuzzing of the download benchmark routes, beyond the spec: against the app's own schema."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from package.routers.health import download_benchmark
from tests.conftest import login

PATHS = r"^/health/download-benchmark"


def test_benchmark_routes_answer_as_their_schema_says(client, monkeypatch):
    monkeypatch.setenv("REGISTRY_TOKEN_MAX_USES", "1000000")
    from package.core.config import get_settings

    get_settings.cache_clear()
    token = login(TestClient(client.app))
    schema = schemathesis.openapi.from_dict(client.app.openapi()).include(path_regex=PATHS)
    schema.app = client.app
    failures: list[str] = []
    operations = calls = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case):
            nonlocal calls
            calls += 1
            try:
                # Schema-valid bodies name artifacts that do not exist: 404 is the right answer.
                case.call_and_validate(
                    headers={"X-Authorization": token}, excluded_checks=[positive_data_acceptance]
                )
            except (AssertionError, BaseExceptionGroup) as exc:
                failures.append(f"{case.method} {case.formatted_path}: {str(exc)[:800]}")

        run()
    assert operations == 3 and calls >= 30
    assert download_benchmark.wait_idle(timeout=30)
    assert not failures, "\n\n".join(failures[:10])
