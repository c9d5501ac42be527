"""Look-alike names: homoglyphs, typos and owner swaps, without flagging the real thing."""

from __future__ import annotations

import pytest

from package.routers.safety.interface import FindingKind
from package.routers.safety.names import Target, confusions, popular_targets, skeleton


def check(name: str, repo_id: str, extra: list[Target] | None = None, distance: int = 2) -> list[str]:
    ids, names = popular_targets()
    found = confusions(
        name=name, repo_id=repo_id, id_targets=ids + (extra or []), name_targets=names + (extra or []),
        distance=distance,
    )  # fmt: skip
    assert all(f.kind is FindingKind.NAME_CONFUSION and f.resembles for f in found)
    return [f.detail for f in found]


def test_skeleton_folds_look_alikes():
    assert skeleton("meta-Ilama") == skeleton("meta-llama")
    assert skeleton("g00gle-bert") == skeleton("google-bert")
    assert skeleton("bert-b\u0430se") == skeleton("bert-base")  # Cyrillic a
    assert skeleton("rnodel") == skeleton("model")


@pytest.mark.parametrize(
    ("name", "repo_id", "resembles"),
    [
        ("bert-base-uncasd", "someone/bert-base-uncasd", "bert-base-uncased"),
        ("Llama-3.2-1B", "meta-Ilama/Llama-3.2-1B", "meta-llama/Llama-3.2-1B"),
        ("bert-base-uncased", "g00gle-bert/bert-base-uncased", "google-bert/bert-base-uncased"),
        ("b\u0435rt-base-uncased", "x/y", "bert-base-uncased"),
    ],
)
def test_near_misses_are_found(name, repo_id, resembles):
    details = check(name, repo_id)
    assert details and resembles in details[0]


@pytest.mark.parametrize(
    ("name", "repo_id"),
    [
        ("bert-base-uncased", "google-bert/bert-base-uncased"),
        ("bert-base-cased", "google-bert/bert-base-cased"),
        ("whisper-tiny", "openai/whisper-tiny"),
        ("trained-gender", "crangana/trained-gender"),
        ("microsoft-git-base", "microsoft/git-base"),
        ("fashion-mnist", "zalandoresearch/fashion-mnist"),
        ("gpt", "someone/gpt"),  # too short to call a typo
    ],
)
def test_the_real_ones_and_unrelated_names_pass(name, repo_id):
    assert check(name, repo_id) == []


def test_registered_artifacts_are_targets_too():
    extra = [Target("acme-sentiment-large", "registered model 'acme-sentiment-large'")]
    assert "registered model" in check("acme-sentlment-large", "a/b", extra)[0]


def test_distance_zero_keeps_only_exact_look_alikes():
    assert check("bert-base-uncasd", "x/bert-base-uncasd", distance=0) == []
    assert check("bert-base-uncased", "g00gle-bert/bert-base-uncased", distance=0)
