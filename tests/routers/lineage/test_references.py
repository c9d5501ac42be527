"""What the structured metadata of a snapshot names: base models, datasets, code."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from package.routers.artifacts.interface import ArtifactSnapshot
from package.routers.lineage.references import (
    Evidence,
    MalformedMetadata,
    RefKind,
    clean_repo_id,
    code_references,
    dataset_references,
    model_references,
    references,
)
from tests.helpers import make_snapshot


def snap(card=None, tags=(), config=None, adapter=None, code=()):
    details = {}
    if config is not None:
        details["config_json"] = config
    if adapter is not None:
        details["adapter_config_json"] = adapter
    return make_snapshot(card_data=card or {}, tags=list(tags), details=details, linked={"code": list(code)})


class TestModelReferences:
    def test_card_string_with_relation(self):
        refs = model_references(snap({"base_model": "a/b", "base_model_relation": "finetune"}), "me/x")
        assert [(r.target, r.relation, r.evidence) for r in refs] == [
            ("a/b", "finetune", Evidence.MODEL_CARD)
        ]

    def test_card_list_and_tags_merge_without_duplicates(self):
        snapshot = snap(
            {"base_model": ["a/b", "c/d"]},
            tags=["base_model:a/b", "base_model:merge:a/b", "base_model:quantized:e/f", "license:mit"],
        )
        refs = model_references(snapshot, "me/x")
        assert [r.target for r in refs] == ["a/b", "c/d", "e/f"]
        assert refs[0].relation == "merge"  # the tag says what the card left out
        assert refs[2].relation == "quantized" and refs[2].evidence is Evidence.HUB_TAGS

    def test_config_only_when_card_and_tags_are_silent(self):
        config = {"_name_or_path": "g/h"}
        assert [r.target for r in model_references(snap(config=config), "me/x")] == ["g/h"]
        assert [r.target for r in model_references(snap({"base_model": "a/b"}, config=config), "me/x")] == [
            "a/b"
        ]

    def test_adapter_config(self):
        refs = model_references(snap(adapter={"base_model_name_or_path": "meta/llama"}), "me/lora")
        assert [(r.target, r.relation, r.evidence) for r in refs] == [
            ("meta/llama", "adapter", Evidence.ADAPTER_CONFIG_JSON)
        ]

    def test_self_reference_is_dropped(self):
        snapshot = snap({"base_model": ["Me/X", "a/b"]}, config={"_name_or_path": "me/x"})
        assert [r.target for r in model_references(snapshot, "me/x")] == ["a/b"]

    def test_urls_are_reduced_to_repo_ids_and_junk_dropped(self):
        snapshot = snap({"base_model": ["https://huggingface.co/a/b", "../../etc", "", 42]})
        assert [r.target for r in model_references(snapshot, "me/x")] == ["a/b"]

    def test_config_folder_names_are_unconfirmed(self):
        refs = model_references(snap(config={"_name_or_path": "./output"}), "me/x")
        assert refs == []
        refs = model_references(snap(config={"_name_or_path": "checkpoints"}), "me/x")
        assert [(r.target, r.confirmed) for r in refs] == [("checkpoints", False)]
        refs = model_references(snap({"base_model": "bert-base-uncased"}), "me/x")
        assert refs[0].confirmed

    def test_malformed_card_is_refused_when_the_snapshot_is_read(self):
        with pytest.raises(ValidationError, match="card_data"):
            ArtifactSnapshot.model_validate(
                {"source": {"kind": "hf_model", "repo_id": "me/x"}, "card_data": ["not", "a", "dict"]}
            )

    def test_unparsable_config_raises_only_when_read(self):
        with pytest.raises(MalformedMetadata, match=r"config\.json"):
            model_references(snap(config={"_unparsable": True}), "me/x")
        assert model_references(snap({"base_model": "a/b"}, config={"_unparsable": True}), "me/x")


class TestDatasetsAndCode:
    def test_dataset_relationship_depends_on_being_fine_tuned(self):
        snapshot = snap({"datasets": ["squad", "datasets/x/y"]}, tags=["dataset:squad", "dataset:z"])
        fine = dataset_references(snapshot, fine_tuned=True)
        assert [(r.target, r.relationship) for r in fine] == [
            ("squad", "fine_tuning_dataset"),
            ("x/y", "fine_tuning_dataset"),
            ("z", "fine_tuning_dataset"),
        ]
        assert {r.relationship for r in dataset_references(snapshot, fine_tuned=False)} == {
            "training_dataset"
        }

    def test_code_links(self):
        snapshot = snap(
            code=["https://github.com/o/r.git", "https://github.com/o/r", "https://example.com/x"]
        )
        assert [(r.kind, r.target) for r in code_references(snapshot)] == [(RefKind.CODE, "o/r")]

    def test_references_orders_models_datasets_code(self):
        snapshot = snap({"base_model": "a/b", "datasets": "d"}, code=["https://github.com/o/r"])
        assert [r.kind for r in references(snapshot, "me/x")] == [
            RefKind.MODEL,
            RefKind.DATASET,
            RefKind.CODE,
        ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("google-bert/bert-base-uncased", "google-bert/bert-base-uncased"),
        ("https://huggingface.co/microsoft/resnet-50/", "microsoft/resnet-50"),
        ("hf.co/datasets/rajpurkar/squad", "rajpurkar/squad"),
        ("gpt2", "gpt2"),
        ("/home/me/model", None),
        ("a/b/c", None),
        ("", None),
        (None, None),
    ],
)
def test_clean_repo_id(raw, expected):
    assert clean_repo_id(raw) == expected
