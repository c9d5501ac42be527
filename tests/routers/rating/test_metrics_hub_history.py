"""Metrics of models without a code repository: bus_factor from the Hub's commit history, code_quality from
the source files the model repository ships."""

from __future__ import annotations

from typing import Any

import pytest

from package.routers.rating.inputs.hub_history import is_hub_bot
from tests.fakehub import HubHistory
from tests.routers.rating.conftest import HF, days_ago, explain, rate


def history(
    *authors: tuple[str, int],
    shared: tuple[tuple[tuple[str, ...], int], ...] = (),
    idle_days: int = 10,
) -> dict[str, Any]:
    """hub.add_model arguments of a repository whose newest commit is `idle_days` old."""
    return {
        "history": HubHistory(authors, shared),
        "created_at": f"{days_ago(idle_days + 400)}T08:00:00.000Z",
        "last_modified": f"{days_ago(idle_days)}T08:00:00.000Z",
    }


class TestBusFactorFromTheHub:
    def test_more_people_sharing_more_evenly_score_higher(self, client, register, hf_model):
        teams = {
            "solo": [("ann", 12)],
            "lopsided": [("ann", 18), ("bo", 1), ("cy", 1)],
            "pair": [("ann", 6), ("bo", 6)],
            "four": [("ann", 5), ("bo", 5), ("cy", 5), ("di", 5)],
        }
        scores = {
            name: rate(client, register(HF + hf_model(f"hub-{name}", **history(*team))))["bus_factor"]
            for name, team in teams.items()
        }
        assert scores["solo"] == 0
        assert 0 < scores["lopsided"] < 0.15  # N = 1 / (0.9² + 2 x 0.05²) = 1.23
        assert scores["pair"] == pytest.approx(1 / 3, abs=1e-3)  # log2(2) / log2(8)
        assert scores["four"] == pytest.approx(2 / 3, abs=1e-3)

    def test_a_stale_history_scores_lower(self, client, register, hf_model):
        team = [("ann", 5), ("bo", 5), ("cy", 5), ("di", 5)]
        ages = {"recent": 10, "two-years": 730, "five-years": 5 * 366}
        scores = {
            name: rate(client, register(HF + hf_model(f"age-{name}", **history(*team, idle_days=days))))
            for name, days in ages.items()
        }
        recent = scores["recent"]["bus_factor"]
        assert scores["two-years"]["bus_factor"] == pytest.approx(recent * 0.75, abs=2e-3)
        assert scores["five-years"]["bus_factor"] == pytest.approx(recent * 0.5, abs=1e-3)  # the floor

    def test_bots_and_the_hubs_own_commits_do_not_count(self, client, register, hf_model):
        automated = history(("ann", 5), ("SFconvertbot", 20), ("github-actions", 10), ("librarian-bot", 3))
        report = explain(client, register(HF + hf_model("hub-bots", **automated)))
        assert report["rating"]["bus_factor"] == 0
        assert "one person (ann) made all 5 commits by people" in report["metrics"]["bus_factor"]["reason"]
        only_bots = explain(client, register(HF + hf_model("hub-only-bots", **history(("SFconvertbot", 3)))))
        assert only_bots["rating"]["bus_factor"] == 0
        assert "no commit by a person" in only_bots["metrics"]["bus_factor"]["reason"]

    def test_co_authored_commits_share_the_credit(self, client, register, hf_model):
        def bus(name: str, **repo: Any) -> float:
            score: float = rate(client, register(HF + hf_model(name, **repo)))["bus_factor"]
            return score

        assert bus("hub-pair", **history(shared=((("ann", "bo"), 10),))) == pytest.approx(1 / 3, abs=1e-3)
        mostly_ann = history(("ann", 10), shared=((("ann", "bo"), 10),))  # ann 15, bo 5: N = 1.6
        assert bus("hub-mostly", **mostly_ann) == pytest.approx(0.226, abs=1e-3)

    def test_the_fixture_models_differ(self, client, register):
        resnet = explain(client, register(HF + "microsoft/resnet-50"))
        distilbert = rate(client, register(HF + "distilbert-base-uncased-distilled-squad"))
        personal = explain(client, register(HF + "parvk11/audience_classifier_model"))
        assert distilbert["bus_factor"] > resnet["rating"]["bus_factor"] > 0.2  # 4 people vs 3, newer
        reason = resnet["metrics"]["bus_factor"]["reason"]
        assert "links no code repository" in reason and "Hub history of microsoft/resnet-50" in reason
        assert "3 people" in reason
        assert personal["rating"]["bus_factor"] == 0
        assert "one person (parvk11)" in personal["metrics"]["bus_factor"]["reason"]

    def test_a_history_ingest_could_not_read_is_read_when_rating(self, client, register, hub, settings_env):
        settings_env(rate_on_ingest="false")
        hub.set_path_down("hf", "/commits/")
        try:
            artifact_id = register(HF + "microsoft/resnet-50")  # the history is optional at ingest
            failed = client.get(f"/artifact/model/{artifact_id}/rate")
            degraded_report = explain(client, artifact_id)
        finally:
            hub.set_path_down("hf", "/commits/", False)
        assert failed.status_code == 200  # degraded, and said so: never a 500 for an upstream outage
        degraded = " ".join(degraded_report["degraded"])
        assert "bus_factor: degraded" in degraded
        assert "the Hub commit history of microsoft/resnet-50 could not be read" in degraded
        assert "nor at ingest" in degraded and "ramp_up_time" not in degraded
        report = explain(client, artifact_id)
        assert report["rating"]["bus_factor"] > 0.2
        assert "read from the Hub at rating time" in report["metrics"]["bus_factor"]["reason"]

    def test_a_repository_the_hub_no_longer_knows_has_no_history(
        self, client, register, hub, hf_model, settings_env
    ):
        settings_env(rate_on_ingest="false")
        hub.set_path_down("hf", "/commits/")
        try:
            repo_id = hf_model("gone-later", **history(("ann", 4), ("bo", 4)))
            artifact_id = register(HF + repo_id)
        finally:
            hub.set_path_down("hf", "/commits/", False)
        hub.add_model(repo_id, files={"model.safetensors": (4096, 7)}, private=True)  # answers RepoNotFound
        report = explain(client, artifact_id)
        assert report["rating"]["bus_factor"] == 0
        assert "the Hub no longer knows it" in report["metrics"]["bus_factor"]["reason"]


@pytest.mark.parametrize(
    ("user", "bot"),
    [
        ("system", True),
        ("SFconvertbot", True),
        ("librarian-bot", True),
        ("github-actions", True),
        ("dependabot[bot]", True),
        ("release_bot", True),
        ("abbott", False),
        ("nielsr-hf", False),
    ],
)
def test_hub_bots(user: str, bot: bool) -> None:
    assert is_hub_bot(user) is bot


class TestCodeQualityOfShippedCode:
    def test_the_code_a_model_repository_ships_is_rated(self, client, register, hf_model):
        recent = history(("ann", 3))
        engineered = {
            "model.safetensors": (4096, 7),
            "modeling_tiny.py": "import torch\n",
            "requirements.txt": "torch\n",
            "tests/test_modeling_tiny.py": "def test_loads():\n    assert True\n",
            ".github/workflows/ci.yml": "on: push\n",
        }
        bare = {"model.safetensors": (4096, 7), "modeling_tiny.py": "import torch\n"}
        rich = explain(
            client, register(HF + hf_model("ships-tested", files=engineered, license="mit", **recent))
        )
        plain = rate(client, register(HF + hf_model("ships-bare", files=bare, license="mit", **recent)))
        # tests 0.25 + ci 0.15 + packaging 0.15 + license 0.10 + maintenance 0.10 (no style, no install/usage)
        assert rich["rating"]["code_quality"] == pytest.approx(0.75)
        assert (
            "rated on the source files the model repository ships"
            in rich["metrics"]["code_quality"]["reason"]
        )
        assert plain["code_quality"] == pytest.approx(0.2)  # license and maintenance only

    def test_weights_and_configs_alone_are_no_code(self, client, register, hf_model):
        report = explain(
            client, register(HF + hf_model("weights-only", license="mit", **history(("ann", 3))))
        )
        assert report["rating"]["code_quality"] == 0
        assert "ships no source file" in report["metrics"]["code_quality"]["reason"]

    def test_moondream_is_rated_on_its_custom_code(self, client, register):
        report = explain(client, register(HF + "vikhyatk/moondream2"))  # links a repository GitHub lacks
        assert 0.2 < report["rating"]["code_quality"] < 0.4  # license, maintenance, usage; no tests, CI
        assert "hf_moondream.py" in report["metrics"]["code_quality"]["reason"]
