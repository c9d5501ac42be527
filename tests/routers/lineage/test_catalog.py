"""The catalog on hand-made records: index items, name resolution, walks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from package.routers.artifacts.interface import ArtifactRecord, ArtifactSnapshot, ArtifactType
from package.routers.lineage.catalog import Catalog, compute_item, external_id
from package.routers.lineage.references import Evidence, Reference, RefKind
from tests.helpers import make_record, make_snapshot


def record(artifact_id: str, repo_id: str, kind: str = "hf_model", type_: str = "model") -> ArtifactRecord:
    return make_record(artifact_id, repo_id, source_kind=kind, artifact_type=ArtifactType(type_))


def snapshot(
    base: Any = None, author: str | None = None, sizes: tuple[int, ...] = (10,), **fields: Any
) -> ArtifactSnapshot:
    return make_snapshot(
        card_data={"base_model": base} if base else {},
        files=[{"path": f"f{i}", "size": size} for i, size in enumerate(sizes)],
        stats={"author": author},
        **fields,
    )


def catalog(*entries: tuple[ArtifactRecord, ArtifactSnapshot | None]) -> Catalog:
    return Catalog([r for r, _ in entries], {r.id: compute_item(r, s) for r, s in entries})


def model_ref(target: str) -> Reference:
    return Reference(RefKind.MODEL, target, "base_model", Evidence.MODEL_CARD)


class TestIndexItems:
    def test_missing_metadata_is_a_problem(self):
        item = compute_item(record("a1", "o/a"), None)
        assert "No metadata" in item["problem"]

    def test_malformed_metadata_is_a_problem_not_an_error(self):
        item = compute_item(record("a1", "o/a"), snapshot(details={"config_json": {"_unparsable": True}}))
        assert "malformed" in item["problem"]
        assert item["refs"] == []

    def test_sizes_add_up(self):
        assert compute_item(record("a1", "o/a"), snapshot(sizes=(5, 7)))["bytes"] == 12

    @pytest.mark.parametrize("junk", [{"path": "y", "size": -3}, "junk", {"size": 1}])
    def test_junk_file_entries_are_refused_when_read(self, junk: object):
        with pytest.raises(ValidationError, match="files"):
            make_snapshot(files=[{"path": "x", "size": 1}, junk])

    def test_datasets_and_code_name_nothing(self):
        item = compute_item(record("d1", "o/d", "hf_dataset", "dataset"), snapshot(base="o/a"))
        assert item["refs"] == []


class TestResolve:
    def test_exact_case_insensitive(self):
        cat = catalog((record("a1", "Org/Model"), snapshot()))
        assert cat.resolve(model_ref("org/model")) == ["a1"]

    def test_legacy_id_answers_to_its_author(self):
        cat = catalog((record("a1", "bert-base-uncased"), snapshot(author="google-bert")))
        assert cat.resolve(model_ref("google-bert/bert-base-uncased")) == ["a1"]
        assert cat.resolve(model_ref("someone/bert-base-uncased")) == []

    def test_owner_less_reference_needs_a_unique_name(self):
        one = catalog((record("d1", "rajpurkar/squad", "hf_dataset", "dataset"), snapshot()))
        assert one.resolve(Reference(RefKind.DATASET, "squad", "x", Evidence.MODEL_CARD)) == ["d1"]
        two = catalog(
            (record("a1", "x/gpt2"), snapshot()),
            (record("a2", "y/gpt2"), snapshot()),
        )
        assert two.resolve(model_ref("gpt2")) == []

    def test_kind_and_source_must_match(self):
        cat = catalog((record("c1", "o/tool", "github", "code"), snapshot()))
        assert cat.resolve(model_ref("o/tool")) == []
        assert cat.resolve(Reference(RefKind.CODE, "O/Tool", "x", Evidence.CODE_LINK)) == ["c1"]


class TestWalks:
    def test_long_cycle_ends(self):
        ring = [record(f"m{i}", f"o/m{i}") for i in range(5)]
        cat = catalog(*[(r, snapshot(base=f"o/m{(i + 1) % 5}")) for i, r in enumerate(ring)])
        assert cat.walk("m0", cat.parents) == ["m1", "m2", "m3", "m4"]
        assert cat.walk("m0", cat.children) == ["m4", "m3", "m2", "m1"]


def test_external_ids_are_stable_and_spec_shaped():
    first = external_id(RefKind.MODEL, "Org/Name")
    assert first == external_id(RefKind.MODEL, "org/name")
    assert first != external_id(RefKind.DATASET, "org/name")
    assert re.fullmatch(r"[a-zA-Z0-9\-]+", first)
