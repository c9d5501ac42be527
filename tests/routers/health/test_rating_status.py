"""The rating pipeline's component in /health/components: its figures; unknown when they cannot be read."""

from __future__ import annotations

from tests.routers.health.conftest import component, report


class TestRating:
    def test_the_pipeline_reports_its_figures(self, client):
        rating = component(report(client, windowMinutes=5), "rating-pipeline")
        assert rating["status"] == "ok"
        assert rating["metrics"]["queue_depth"] == 0
        assert rating["metrics"]["recent_failures"] == 0
        assert {"running", "completed_since_start"} <= set(rating["metrics"])

    def test_unreadable_figures_are_unknown_never_invented(self, client, monkeypatch):
        from package.routers.rating import services as rating_services

        def broken() -> None:
            raise RuntimeError("pipeline lock poisoned")

        monkeypatch.setattr(rating_services, "pipeline_stats", broken)
        rating = component(report(client, windowMinutes=5), "rating-pipeline")
        assert rating["status"] == "unknown"
        assert rating["issues"][0]["code"] == "rating_pipeline_unreported"
        assert "pipeline lock poisoned" in rating["issues"][0]["summary"]
        assert "queue_depth" not in rating["metrics"]
