"""Metrics read from what the model links to: its code repository, datasets and parents."""

from __future__ import annotations

import pytest

from tests.fakehub import HubHistory
from tests.fakehub.gh_specs import ActivitySpec, Contributor
from tests.routers.rating.conftest import GH, HF, card, days_ago, explain, pull, rate, wait_ratings


def linking(repo: str) -> dict[str, object]:
    """Card arguments of a model whose card links a GitHub repository."""
    return card(f"# m\n\nThe code lives at https://github.com/{repo}.\n", license="mit")


class TestBusFactor:
    def test_one_dominant_contributor_scores_lower_than_a_team(self, client, register, hf_model, github_repo):
        solo = github_repo("solo", {"alice": 100})
        lopsided = github_repo("lopsided", {"alice": 90, "bob": 5, "carol": 5})
        team = github_repo("team", {"alice": 25, "bob": 25, "carol": 25, "dave": 25})
        scores = [
            rate(client, register(HF + hf_model(f"m-{repo.split('/')[1]}", **linking(repo))))["bus_factor"]
            for repo in (solo, lopsided, team)
        ]
        assert scores[0] == 0
        assert 0 < scores[1] < 0.2
        assert scores[2] == pytest.approx(2 / 3, abs=1e-3)  # log2(4) / log2(8)

    def test_a_stale_project_scores_lower(self, client, register, hf_model, github_repo):
        team = {"alice": 25, "bob": 25, "carol": 25, "dave": 25}
        active = github_repo("active", team)
        stale = github_repo("stale", team, first_commit=days_ago(3000), last_commit=days_ago(5 * 366))
        active_score = rate(client, register(HF + hf_model("m-active", **linking(active))))["bus_factor"]
        stale_score = rate(client, register(HF + hf_model("m-stale", **linking(stale))))["bus_factor"]
        assert stale_score == pytest.approx(active_score / 2, abs=1e-3)  # activity never drops below 0.5

    def test_bots_do_not_count(self, client, register, hf_model, github_repo):
        repo = github_repo("bots", {"alice": 50, "dependabot[bot]": 500})
        assert rate(client, register(HF + hf_model("m-bots", **linking(repo))))["bus_factor"] == 0

    def test_a_linked_repository_comes_before_the_hub_history(self, client, register, hf_model, github_repo):
        solo = github_repo("solo-code", {"alice": 40})
        team_on_the_hub = HubHistory((("ann", 10), ("bo", 10), ("cy", 10), ("di", 10)))
        model = hf_model("m-solo-code", history=team_on_the_hub, **linking(solo))
        report = explain(client, register(HF + model))
        assert report["rating"]["bus_factor"] == 0
        assert report["metrics"]["bus_factor"]["reason"].startswith(f"{solo} (GitHub): one person (alice)")


class TestCodeQuality:
    def test_tests_ci_packaging_and_docs_score_higher(self, client, register, hf_model, github_repo):
        good = github_repo(
            "good",
            {"alice": 10, "bob": 10},
            files={
                "README.md": "# good\n\n## Install\n\n    pip install good\n\n"
                "## Usage\n\n```python\nimport good\n```\n",
                "LICENSE": "MIT License",
                "pyproject.toml": "[project]\nname = 'good'\n",
                ".pre-commit-config.yaml": "repos: []\n",
                ".github/workflows/ci.yml": "on: push\n",
                "src/good/__init__.py": "",
                "tests/test_good.py": "def test_it():\n    assert True\n",
            },
            license="mit",
        )
        bare = github_repo("bare", {"alice": 3}, files={"README.md": "# bare\n", "main.py": "print(1)\n"})
        good_score = rate(client, register(HF + hf_model("m-good", **linking(good))))["code_quality"]
        bare_score = rate(client, register(HF + hf_model("m-bare", **linking(bare))))["code_quality"]
        assert good_score == 1.0
        assert bare_score == pytest.approx(0.1)  # only maintained recently

    def test_no_repository_is_zero(self, client, register):
        assert rate(client, register(HF + "microsoft/resnet-50"))["code_quality"] == 0


class TestReviewedness:
    def test_share_of_code_lines_from_reviewed_pull_requests(
        self, client, register, hf_model, github_repo, settings_env
    ):
        settings_env(rating_pull_sample_anonymous="10")
        pulls = (
            pull(1, "ann", lines=100, reviewer="bob"),  # reviewed code: counts
            pull(2, "ann", lines=100),  # unreviewed code
            pull(3, "bob", lines=500, path="docs/guide.md"),  # documentation is not code
            pull(4, "bob", lines=50, reviewer="bob"),  # a self-review is no review
            pull(5, "ann", lines=50, reviewer="ci-bot[bot]"),  # neither is a bot's
            pull(6, "bob", lines=1000, reviewer="ann", merged=False),  # never merged
        )
        activity = ActivitySpec((Contributor("ann", 5), Contributor("bob", 5)), pulls=pulls)
        repo = github_repo("reviews", {}, activity=activity)
        report = explain(client, register(HF + hf_model("m-reviews", **linking(repo))))
        assert report["rating"]["reviewedness"] == pytest.approx(100 / 300, abs=1e-3)
        assert "1 of the 5 newest merged pull requests" in report["metrics"]["reviewedness"]["reason"]

    def test_fixture_repositories(self, client, register, hf_model):
        reviewed = rate(client, register(HF + hf_model("m-gpl", **linking("acme/gpl-tool"))))
        direct = rate(client, register(HF + hf_model("m-direct", **linking("acme/no-license-repo"))))
        assert reviewed["reviewedness"] == 1.0  # every merged code change was reviewed by another maintainer
        assert direct["reviewedness"] == 0.0  # no pull request was ever merged

    def test_no_repository_is_minus_one_and_left_out_of_net_score(self, client, register):
        report = explain(client, register(HF + "microsoft/resnet-50"))
        assert report["rating"]["reviewedness"] == -1
        assert report["metrics"]["reviewedness"]["applicable"] is False


class TestDatasetsAndCode:
    def test_registered_links_beat_named_ones_beat_nothing(self, client, register, hf_model):
        register(HF + "datasets/rajpurkar/squad", kind="dataset")
        register(GH + "acme/gpl-tool", kind="code")
        both = hf_model("both", **card("# m\n\nhttps://github.com/acme/gpl-tool\n", datasets=["squad"]))
        named = hf_model("named", **card("# m\n\nhttps://github.com/acme/elsewhere\n", datasets=["unlisted"]))
        nothing = hf_model("nothing", **card("# m\n"))
        scores = [rate(client, register(HF + r))["dataset_and_code_score"] for r in (both, named, nothing)]
        assert scores == [1.0, 0.75, 0.0]

    def test_dataset_quality_follows_the_datasets_documentation(
        self, client, register, hf_model, hub, unique
    ):
        sparse_id = f"rt{unique}/sparse-data"
        hub.add_dataset(sparse_id, card_body="# data\n", files={"data.csv": "a,b\n1,2\n"})
        register(HF + "datasets/rajpurkar/squad", kind="dataset")
        register(HF + "datasets/" + sparse_id, kind="dataset")
        rich = rate(client, register(HF + hf_model("rich", **card("# m\n", datasets=["squad"]))))
        sparse = rate(client, register(HF + hf_model("sparse", **card("# m\n", datasets=[sparse_id]))))
        both = rate(client, register(HF + hf_model("two", **card("# m\n", datasets=["squad", sparse_id]))))
        assert rich["dataset_quality"] > 0.9 > 0.2 > sparse["dataset_quality"]
        assert both["dataset_quality"] == pytest.approx(
            (rich["dataset_quality"] + sparse["dataset_quality"]) / 2
        )

    def test_no_registered_dataset_is_zero(self, client, register):
        report = explain(client, register(HF + "distilbert-base-uncased-distilled-squad"))
        assert report["rating"]["dataset_quality"] == 0
        assert "squad" in report["metrics"]["dataset_quality"]["reason"]


class TestTreeScore:
    def test_mean_of_the_parents_net_scores(self, client, register):
        parent = rate(client, register(HF + "microsoft/resnet-50"))
        child = explain(client, register(HF + "crangana/trained-gender"))
        assert child["rating"]["tree_score"] == parent["net_score"]
        assert child["metrics"]["tree_score"]["applicable"] is True

    def test_without_parents_it_is_zero_and_left_out(self, client, register):
        report = explain(client, register(HF + "vikhyatk/moondream2"))
        assert report["rating"]["tree_score"] == 0
        assert report["metrics"]["tree_score"]["applicable"] is False
        assert "microsoft/phi-1_5" in report["metrics"]["tree_score"]["reason"]

    def test_a_parent_registered_later_updates_the_child(self, client, register):
        child_id = register(HF + "crangana/trained-gender")
        wait_ratings()
        assert rate(client, child_id)["tree_score"] == 0
        parent = rate(client, register(HF + "microsoft/resnet-50"))
        wait_ratings()
        assert rate(client, child_id)["tree_score"] == parent["net_score"]


def test_net_score_is_the_documented_weighted_mean(client, register):
    for url in (HF + "google-bert/bert-base-uncased", HF + "parvk11/audience_classifier_model"):
        report = explain(client, register(url))
        total = weight = 0.0
        for metric in report["metrics"].values():
            if metric["applicable"]:
                value = metric["score"]
                value = sum(value.values()) / len(value) if isinstance(value, dict) else value
                total += metric["weight"] * value
                weight += metric["weight"]
        assert report["rating"]["net_score"] == pytest.approx(total / weight, abs=1e-3)
