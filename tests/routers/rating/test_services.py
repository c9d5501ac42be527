"""The rating pipeline: concurrency, single flight, the cache and its invalidation, the 424 and 202 paths."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from package.core.storage import get_storage
from package.routers.rating import database
from package.routers.rating import services as rating_services
from tests.fakehub.gh_specs import ActivitySpec, Contributor
from tests.routers.rating.conftest import (
    GH,
    HF,
    USAGE_BODY,
    card,
    count_reads,
    pull,
    rate,
    wait_ratings,
)

BERT = HF + "google-bert/bert-base-uncased"  # its card links google-research/bert


class TestConcurrency:
    def test_metrics_overlap_while_waiting_for_a_slow_upstream(self, client, register, hub, settings_env):
        settings_env(rate_on_ingest="false")
        artifact_id = register(BERT)
        hub.set_latency("github", 0.1)
        try:
            body = rate(client, artifact_id)
        finally:
            hub.set_latency("github", 0)
        upstream = [body[f"{m}_latency"] for m in ("bus_factor", "code_quality", "reviewedness")]
        assert min(upstream) >= 0.45  # each waited for the repository's five 0.1 s GitHub reads
        assert body["net_score_latency"] < 0.75 * sum(upstream)  # wall time ~ the slowest, not the sum

    def test_concurrent_requests_share_one_computation(self, client, register, hub, settings_env):
        settings_env(rate_on_ingest="false")
        artifact_id = register(BERT)
        hub.set_latency("github", 0.05)
        hub.clear_requests()
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                bodies = list(pool.map(lambda _: rate(client, artifact_id), range(8)))
        finally:
            hub.set_latency("github", 0)
        assert all(body == bodies[0] for body in bodies)
        listings = [
            p for s, _, p in hub.requests if s == "github" and p == "/repos/google-research/bert/pulls"
        ]
        assert len(listings) == 1
        assert rating_services.pipeline_stats().completed == 1

    def test_a_burst_on_rated_models_is_answered_from_the_cache(self, client, register):
        urls = [
            "microsoft/resnet-50",
            "crangana/trained-gender",
            "openai/whisper-tiny",
            "acme/tiny-weights-20mb",
        ]
        ids = [register(HF + url) for url in urls] + [register(BERT)]
        wait_ratings()
        computed = rating_services.pipeline_stats().completed
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=13) as pool:
            bodies = list(pool.map(lambda i: rate(client, ids[i % len(ids)]), range(13)))
        assert time.perf_counter() - started < 2.0
        assert len(bodies) == 13
        assert rating_services.pipeline_stats().completed == computed  # nothing was computed again


class TestCache:
    def test_a_cached_rating_reads_the_model_and_its_rating_once(self, client, register, monkeypatch):
        register(HF + "microsoft/resnet-50")
        child = register(HF + "crangana/trained-gender")  # its rating read its parent's
        wait_ratings()
        reads = count_reads(get_storage(), monkeypatch)
        rate(client, child)
        assert reads[("get", "ARTIFACT")] == reads[("get", "RATING")] == 1
        assert sum(n for (_, pk), n in reads.items() if pk.startswith(("ARTIFACT", "RATING"))) == 2
        assert not [pk for _, pk in reads if pk.startswith(("SNAPSHOT", "README", "LINEAGE"))]

    def test_an_update_rates_the_new_source(self, client, register, hf_model):
        unlicensed = hf_model("unlicensed", **card("# m\n"))
        licensed = hf_model("licensed", **card("# m\n", license="apache-2.0"))
        artifact_id = register(HF + unlicensed, name="switching")
        assert rate(client, artifact_id)["license"] == 0
        body = {
            "metadata": {"name": "switching", "id": artifact_id, "type": "model"},
            "data": {"url": HF + licensed},
        }
        assert client.put(f"/artifacts/model/{artifact_id}", json=body).status_code == 200
        assert rate(client, artifact_id)["license"] == 1.0

    def test_a_dataset_registered_later_is_taken_into_account(self, client, register):
        artifact_id = register(HF + "distilbert-base-uncased-distilled-squad")
        wait_ratings()
        assert rate(client, artifact_id)["dataset_quality"] == 0
        register(HF + "datasets/rajpurkar/squad", kind="dataset")
        wait_ratings()
        assert rate(client, artifact_id)["dataset_quality"] > 0.9

    def test_delete_and_reset_leave_no_rating(self, client, register):
        first, second = register(HF + "microsoft/resnet-50"), register(HF + "openai/whisper-tiny")
        rate(client, first)
        rate(client, second)
        assert client.delete(f"/artifacts/model/{first}").status_code == 200
        assert database.get_report(get_storage(), first) is None
        assert client.get(f"/artifact/model/{first}/rate").status_code == 404
        assert client.delete("/reset").status_code == 200
        wait_ratings()
        assert database.list_reports(get_storage()) == []


@pytest.fixture
def admissible(hf_model, github_repo, register, unique):
    """A model whose every applicable score is at least 0.3: documented, licensed, linked, reviewed."""
    activity = ActivitySpec(
        tuple(Contributor(login, 25) for login in ("ann", "bob", "cy", "di")),
        pulls=(pull(1, "ann", lines=40, reviewer="bob"),),
    )
    files = {
        "README.md": "# tool\n\n## Install\n\n    pip install tool\n\n"
        "## Usage\n\n```python\nimport tool\n```\n",
        "LICENSE": "MIT License",
        "pyproject.toml": "[project]\nname = 'tool'\n",
        "tests/test_tool.py": "def test_ok():\n    assert True\n",
    }
    repo = github_repo("tool", {}, files=files, activity=activity, license="mit")
    register(HF + "datasets/rajpurkar/squad", kind="dataset")
    register(GH + repo, kind="code")
    repo_id = hf_model("admissible")
    index = [
        {
            "name": "m",
            "results": [
                {
                    "task": {"type": "question-answering"},
                    "dataset": {"name": "SQuAD", "type": "squad", "split": "validation"},
                    "metrics": [{"type": "f1", "value": 88.1}],
                }
            ],
        }
    ]
    body = USAGE_BODY.replace("{repo}", repo_id) + f"\nCode: https://github.com/{repo}\n"
    hf_model("admissible", **card(body, license="mit", datasets=["squad"], **{"model-index": index}))
    return repo_id


class TestIngestGate:
    def test_a_low_rated_model_is_refused_and_nothing_stays(self, client, settings_env):
        settings_env(ingest_min_score="0.3")
        response = client.post("/artifact/model", json={"url": HF + "acme/no-readme-model"})
        assert response.status_code == 424
        assert "ramp_up_time 0.00" in response.json()["message"]
        assert client.get("/artifact/byName/no-readme-model").status_code == 404
        assert database.list_reports(get_storage()) == []
        assert client.post("/artifact/model", json={"url": HF + "acme/no-readme-model"}).status_code == 424

    def test_a_well_rated_model_is_admitted(self, client, settings_env, admissible):
        settings_env(ingest_min_score="0.3")
        response = client.post("/artifact/model", json={"url": HF + admissible})
        assert response.status_code == 201, response.text
        scores = rate(client, response.json()["metadata"]["id"])
        assert min(v for k, v in scores.items() if k in {"bus_factor", "code_quality", "reviewedness"}) >= 0.3

    def test_a_model_that_cannot_be_rated_is_refused(self, client, hub, settings_env):
        settings_env(ingest_min_score="0.1")
        hub.set_down("github", True)
        try:
            response = client.post("/artifact/model", json={"url": BERT})
        finally:
            hub.set_down("github", False)
        assert response.status_code == 424
        assert "could not be rated" in response.json()["message"]
        assert client.get("/artifact/byName/bert-base-uncased").status_code == 404


class TestAsyncRating:
    def test_a_model_stays_hidden_until_rated(self, client, hub, settings_env):
        settings_env(async_rating="true")
        hub.set_latency("github", 0.3)  # the rating waits for GitHub
        try:
            response = client.post("/artifact/model", json={"url": BERT})
            assert response.status_code in {201, 202}  # 202 once the endpoint reports the deferral
            artifact_id = response.json()["metadata"]["id"]
            assert client.get(f"/artifacts/model/{artifact_id}").status_code == 404
            assert client.get(f"/artifact/model/{artifact_id}/rate").status_code == 404
            assert client.get("/artifact/byName/bert-base-uncased").status_code == 404
            listed = client.post("/artifacts", json=[{"name": "*"}]).json()
            assert artifact_id not in {a["id"] for a in listed}
        finally:
            hub.set_latency("github", 0)
        wait_ratings()
        assert client.get(f"/artifacts/model/{artifact_id}").status_code == 200
        assert rate(client, artifact_id)["bus_factor"] > 0

    def test_a_model_whose_rating_fails_is_dropped(self, client, hub, settings_env):
        settings_env(async_rating="true")
        hub.set_down("github", True)
        try:
            artifact_id = client.post("/artifact/model", json={"url": BERT}).json()["metadata"]["id"]
            wait_ratings()
        finally:
            hub.set_down("github", False)
        assert client.get(f"/artifacts/model/{artifact_id}").status_code == 404
        assert rating_services.pipeline_stats().recent_failures >= 1
        assert "reviewedness" in (rating_services.pipeline_stats().last_error or "")
        assert client.post("/artifact/model", json={"url": BERT}).status_code in {
            201,
            202,
        }  # source free again

    def test_a_model_below_the_threshold_is_dropped(self, client, settings_env):
        settings_env(async_rating="true", ingest_min_score="0.3")
        artifact_id = client.post("/artifact/model", json={"url": HF + "acme/no-readme-model"}).json()
        wait_ratings()
        assert client.get(f"/artifacts/model/{artifact_id['metadata']['id']}").status_code == 404

    def test_children_see_a_parent_once_it_is_published(self, client, settings_env):
        settings_env(async_rating="true")
        child = client.post("/artifact/model", json={"url": HF + "crangana/trained-gender"}).json()
        parent = client.post("/artifact/model", json={"url": HF + "microsoft/resnet-50"}).json()
        wait_ratings()
        parent_rating = rate(client, parent["metadata"]["id"])
        assert rate(client, child["metadata"]["id"])["tree_score"] == parent_rating["net_score"]


def test_pipeline_stats_report_the_last_rating(client, register):
    register(HF + "microsoft/resnet-50")
    wait_ratings()
    stats = rating_services.pipeline_stats()
    assert stats.queue_depth == 0 and stats.running == 0
    assert stats.last_rated_at is not None and stats.completed >= 1
    assert stats.recent_failures == 0 and stats.last_error is None
