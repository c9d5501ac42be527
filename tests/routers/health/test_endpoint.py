"""GET /health and /health/components' query parameters end to end.

The report's parts are tested next to their sources: test_window.py, test_activity.py, test_probes.py,
test_rating_status.py, test_logs.py, test_metrics.py.
"""

from __future__ import annotations

import pytest

from tests.routers.health.conftest import assert_spec_shape, report


def test_liveness_stays_cheap_and_answers_200(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


class TestWindow:
    @pytest.mark.parametrize("window", ["4", "0", "-5", "1441", "100000", "abc", "60.5"])
    def test_outside_5_to_1440_or_not_an_integer_is_400(self, client, window):
        response = client.get("/health/components", params={"windowMinutes": window})
        assert response.status_code == 400
        assert response.json()["error"] == "bad_request"

    def test_include_timeline_must_be_a_boolean(self, client):
        response = client.get("/health/components", params={"includeTimeline": "perhaps"})
        assert response.status_code == 400

    @pytest.mark.parametrize("window", [5, 60, 1440])
    def test_bounds_and_default_answer_the_spec_shape(self, client, window):
        body = report(client, windowMinutes=window)
        assert_spec_shape(body)
        assert body["window_minutes"] == window
        assert report(client)["window_minutes"] == 60
