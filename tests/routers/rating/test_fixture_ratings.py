"""The fake hub's default models rated side by side: scores differ in the directions a person would expect;
and every score pinned, so a change to how ratings read their inputs or compute their metrics (sharing work,
faster code) leaves each score as it was (the clock frozen: bus_factor and code_quality age with it; the fake
hub's histories are fixed)."""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path
from typing import Any

from package.routers.rating import context
from tests.routers.rating.conftest import GH, HF, rate, wait_ratings

LINKED = [
    ("code", GH + "google-research/bert"),
    ("code", GH + "openai/whisper"),
    ("dataset", HF + "datasets/bookcorpus/bookcorpus"),
    ("dataset", HF + "datasets/rajpurkar/squad"),
    ("dataset", HF + "datasets/ILSVRC/imagenet-1k"),
]
MODELS = {
    "bert": "google-bert/bert-base-uncased",
    "resnet": "microsoft/resnet-50",
    "gender": "crangana/trained-gender",
    "onnx": "onnx-community/trained-gender-ONNX",
    "distilbert": "distilbert-base-uncased-distilled-squad",
    "whisper": "openai/whisper-tiny",
    "audience": "parvk11/audience_classifier_model",
    "tiny": "acme/tiny-weights-20mb",
    "moondream": "vikhyatk/moondream2",
    "llama": "meta-llama/Llama-3.2-1B",
    "bare": "acme/no-readme-model",
}


def test_fixture_models_rank_as_a_person_would(client, register):
    for kind, url in LINKED:
        register(url, kind=kind)
    ids = {key: register(HF + repo) for key, repo in MODELS.items()}
    wait_ratings()
    r = {key: rate(client, artifact_id) for key, artifact_id in ids.items()}

    # Documented, licensed, linked models beat undocumented ones.
    assert min(r[k]["net_score"] for k in ("bert", "resnet", "whisper", "distilbert")) > 0.6
    assert max(r[k]["net_score"] for k in ("audience", "bare")) < 0.3
    assert r["bare"]["net_score"] == min(x["net_score"] for x in r.values())
    # A card with a usage section and code helps a newcomer; none at all does not.
    assert r["bert"]["ramp_up_time"] > r["gender"]["ramp_up_time"] > r["bare"]["ramp_up_time"] == 0
    # Structured, public evaluation beats a local-folder one, which beats a bare number and nothing.
    assert (
        r["resnet"]["performance_claims"]
        > r["gender"]["performance_claims"]
        > r["audience"]["performance_claims"]
    )
    assert r["onnx"]["performance_claims"] == 0
    # Apache-2.0 > the Llama community license > none.
    assert r["bert"]["license"] == 1 > r["llama"]["license"] > r["audience"]["license"] == 0
    # Whisper's code has tests, CI and more hands than BERT's single-author, long-idle repository.
    assert r["whisper"]["code_quality"] > r["bert"]["code_quality"] > 0
    assert r["whisper"]["bus_factor"] > r["bert"]["bus_factor"] > 0
    # Without a code repository, the Hub's commit history shows who carries a model: an organisation's few
    # maintainers > one dominant maintainer with a drive-by helper > a personal upload by one person.
    assert min(r[k]["bus_factor"] for k in ("resnet", "distilbert", "llama")) > 0.2
    assert 0 < r["moondream"]["bus_factor"] < 0.1
    assert {k for k, x in r.items() if x["bus_factor"] == 0} == {"gender", "onnx", "audience", "tiny", "bare"}
    # Custom code shipped in the model repository is rated too (no tests or CI); weights alone are no code.
    assert 0 < r["moondream"]["code_quality"] < r["bert"]["code_quality"]
    assert r["resnet"]["code_quality"] == r["distilbert"]["code_quality"] == r["llama"]["code_quality"] == 0
    # Runnable Python > JavaScript (unverifiable) / needs an input file > no example.
    assert r["bert"]["reproducibility"] == 1
    assert r["onnx"]["reproducibility"] == r["moondream"]["reproducibility"] == 0.5
    assert r["gender"]["reproducibility"] == 0
    # Weights of several GiB do not fit a Raspberry Pi; 20 MiB nearly do.
    assert r["moondream"]["size_score"]["raspberry_pi"] == 0 < r["tiny"]["size_score"]["raspberry_pi"] < 1
    assert r["moondream"]["size_score"]["aws_server"] > 0.9
    # Linked registered data and code.
    assert r["bert"]["dataset_and_code_score"] == 1 > r["distilbert"]["dataset_and_code_score"]
    assert r["distilbert"]["dataset_quality"] > 0.9 and r["audience"]["dataset_quality"] == 0
    # Lineage: a child's tree score is its parent's net score; without a repository reviewedness is -1.
    assert r["gender"]["tree_score"] == r["resnet"]["net_score"]
    assert r["onnx"]["tree_score"] == r["gender"]["net_score"]
    assert r["audience"]["tree_score"] == r["bert"]["net_score"]
    assert r["whisper"]["reviewedness"] > r["bert"]["reviewedness"] >= 0
    assert {k for k, x in r.items() if x["reviewedness"] == -1} == {
        "resnet", "gender", "onnx", "distilbert", "audience", "tiny", "moondream", "llama", "bare"
    }  # fmt: skip


NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
PINNED = Path(__file__).with_name("pinned_scores.json")


class _Frozen(dt.datetime):
    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> _Frozen:
        return cls.fromtimestamp(NOW.timestamp(), tz)


def scores(client: Any, register: Any) -> dict[str, dict[str, Any]]:
    """Each fixture model's scores (latencies left out), by its short name."""
    for kind, url in LINKED:
        register(url, kind=kind)
    ids = {key: register(HF + repo) for key, repo in MODELS.items()}
    wait_ratings()
    found = {}
    for key, artifact_id in ids.items():
        body = rate(client, artifact_id)
        found[key] = {name: value for name, value in body.items() if not name.endswith("_latency")}
        found[key].pop("name")
    return found


def test_every_score_is_as_pinned(client, register, monkeypatch):
    monkeypatch.setattr(context, "dt", types.SimpleNamespace(datetime=_Frozen, UTC=dt.UTC))
    assert scores(client, register) == json.loads(PINNED.read_text())
