"""/health/logs: each component links to its log lines; admins only, known components only."""

from __future__ import annotations

from tests.routers.health.conftest import component, parse_time, report


class TestLogs:
    def test_components_link_to_their_log_lines(self, client):
        client.get("/health", headers={"X-Request-ID": "find-me-1"})
        api = component(report(client, windowMinutes=5), "api")
        (link,) = api["logs"]
        assert link["url"] == "http://registry.test/health/logs?component=api"
        assert link["tail_available"] is False
        parse_time(link["last_updated_at"])
        response = client.get("/health/logs", params={"component": "api"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert '"request_id": "find-me-1"' in response.text

    def test_logs_need_an_admin_and_a_known_component(self, client, anonymous_client):
        assert anonymous_client.get("/health/logs").status_code == 403
        assert client.get("/health/logs", params={"component": "nope"}).status_code == 400
        assert client.get("/health/logs", params={"limit": 0}).status_code == 400
