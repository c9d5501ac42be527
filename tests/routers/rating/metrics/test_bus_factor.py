"""bus_factor metric: people carrying the project, from the Hub history ingest captured."""

from __future__ import annotations

from package.routers.rating.metrics.bus_factor import compute
from tests.helpers import make_context


def history(*authors: str) -> dict[str, object]:
    commits = [{"authors": [a], "date": "2025-05-01T00:00:00Z", "title": "work"} for a in authors]
    return {"hub_commits": commits, "hub_commits_total": len(commits)}


def test_more_people_carry_more_than_one():
    team = compute(make_context(details=history("ann", "bob", "cid", "dee", "ann", "bob"))).score
    solo = compute(make_context(details=history("ann", "ann", "ann"))).score
    assert isinstance(team, float) and isinstance(solo, float) and team > solo


def test_only_bots_score_zero():
    outcome = compute(make_context(details=history("system", "sfconvertbot")))
    assert outcome.score == 0.0 and "no commit by a person" in outcome.reason
