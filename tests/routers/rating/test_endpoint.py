"""GET /artifact/model/{id}/rate end to end: the spec's shape, codes, audit, cache, a 500 naming a metric."""

from __future__ import annotations

import time

import pytest

from tests.routers.rating.conftest import GH, HF, explain, rate, wait_ratings

METRICS = (
    "net_score",
    "ramp_up_time",
    "bus_factor",
    "performance_claims",
    "license",
    "dataset_and_code_score",
    "dataset_quality",
    "code_quality",
    "reproducibility",
    "reviewedness",
    "tree_score",
    "size_score",
)
DEVICES = {"raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"}


class TestShape:
    def test_every_score_and_latency_is_present_and_in_range(self, client, register):
        artifact_id = register(HF + "openai/whisper-tiny", name="whisper-tiny")
        body = rate(client, artifact_id)
        assert body["name"] == "whisper-tiny"
        assert body["category"] == "MODEL"
        assert set(body) == {"name", "category"} | set(METRICS) | {f"{m}_latency" for m in METRICS}
        for metric in METRICS:
            latency = body[f"{metric}_latency"]
            assert isinstance(latency, float) and latency >= 0, metric
            if metric == "size_score":
                assert set(body[metric]) == DEVICES
                assert all(0 <= v <= 1 for v in body[metric].values())
            else:
                assert 0 <= body[metric] <= 1, metric

    def test_reviewedness_is_the_only_negative_and_only_without_a_repository(self, client, register):
        body = rate(client, register(HF + "microsoft/resnet-50"))
        assert body["reviewedness"] == -1
        negatives = [m for m in METRICS if m != "size_score" and body[m] < 0]
        assert negatives == ["reviewedness"]

    def test_net_score_latency_covers_the_slowest_metric(self, client, register, settings_env):
        settings_env(rate_on_ingest="false")
        body = rate(client, register(HF + "openai/whisper-tiny"))
        slowest = max(body[f"{m}_latency"] for m in METRICS if m != "net_score")
        assert body["net_score_latency"] >= slowest


class TestCodes:
    def test_dataset_id_is_400(self, client, register):
        dataset_id = register(HF + "datasets/rajpurkar/squad", kind="dataset")
        response = client.get(f"/artifact/model/{dataset_id}/rate")
        assert response.status_code == 400
        assert "not a model" in response.json()["message"]

    def test_unknown_id_is_404(self, client):
        assert client.get("/artifact/model/0f1e2d3c-unknown/rate").status_code == 404

    @pytest.mark.parametrize("bad", ["bad_id", "x" * 65, "semi;colon"])
    def test_malformed_id_is_400(self, client, bad):
        assert client.get(f"/artifact/model/{bad}/rate").status_code == 400

    def test_without_token_is_403(self, client, anonymous_client, register):
        artifact_id = register(HF + "microsoft/resnet-50")
        assert anonymous_client.get(f"/artifact/model/{artifact_id}/rate").status_code == 403


def test_rating_is_audited(client, register):
    artifact_id = register(HF + "microsoft/resnet-50")
    rate(client, artifact_id)
    rate(client, artifact_id)
    actions = [entry["action"] for entry in client.get(f"/artifact/model/{artifact_id}/audit").json()]
    assert actions.count("RATE") == 2


def test_rated_in_the_background_after_ingest_and_answered_from_the_cache(client, register):
    artifact_id = register(HF + "google-bert/bert-base-uncased")
    wait_ratings()
    stored = explain(client, artifact_id)
    started = time.perf_counter()
    body = rate(client, artifact_id)
    assert time.perf_counter() - started < 0.5
    assert body == stored["rating"]  # the same computation, latencies included


def test_an_upstream_outage_degrades_the_metrics_it_feeds_instead_of_a_500(
    client, register, hub, settings_env
):
    settings_env(rate_on_ingest="false")
    artifact_id = register(HF + "google-bert/bert-base-uncased")  # links google-research/bert, not registered
    hub.set_rate_limited(True)
    try:
        response = client.get(f"/artifact/model/{artifact_id}/rate")
        details = explain(client, artifact_id)
    finally:
        hub.set_rate_limited(False)
    assert response.status_code == 200, response.text  # issue 13: never a 500 for GitHub's outage
    body = response.json()
    degraded = " ".join(details["degraded"])
    for metric in ("bus_factor", "code_quality", "reviewedness"):
        assert body[metric] == 0 and metric in degraded
        assert details["metrics"][metric]["applicable"] is False
        assert "degraded" in details["metrics"][metric]["reason"]
    assert "rate limit" in degraded and "ramp_up_time" not in degraded
    assert body["ramp_up_time"] > 0
    # A degraded rating is not stored: once GitHub answers, the rating is whole.
    assert rate(client, artifact_id)["bus_factor"] > 0
    assert explain(client, artifact_id)["degraded"] == []


def test_details_explain_every_metric(client, register):
    artifact_id = register(HF + "onnx-community/trained-gender-ONNX")
    report = explain(client, artifact_id)
    assert set(report["metrics"]) == set(METRICS) - {"net_score"}
    assert "cannot be checked statically" in report["metrics"]["reproducibility"]["reason"]
    assert report["metrics"]["reviewedness"]["applicable"] is False
    assert report["inputs"]["code_repository"] is None


def test_linked_code_found_through_the_model_card(client, register):
    code_id = register(GH + "openai/whisper", kind="code")
    report = explain(client, register(HF + "openai/whisper-tiny"))
    assert report["inputs"]["code_ids"] == [code_id]
    assert report["inputs"]["code_repository"] == "openai/whisper"
