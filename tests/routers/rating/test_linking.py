"""Which registered artifacts a model refers to, and which repository its code metrics read."""

from __future__ import annotations

from package.routers.artifacts.interface import ArtifactRecord, ArtifactType
from package.routers.rating.inputs.card import parse_card
from package.routers.rating.inputs.linking import github_repo_ids, model_refs, refers_to, resolve
from tests.helpers import make_record, make_snapshot


def record(
    artifact_id: str, kind: ArtifactType, repo_id: str, name: str, source: str = "hf_model"
) -> ArtifactRecord:
    return make_record(artifact_id, repo_id, source_kind=source, artifact_type=kind, name=name)


MODEL = record("m", ArtifactType.MODEL, "openai/whisper-tiny", "whisper-tiny")
SNAPSHOT = make_snapshot(
    "openai/whisper-tiny",
    linked={
        "datasets": ["squad", "Rajpurkar/Other"],
        "base_models": ["openai/whisper-base"],
        "code": ["https://github.com/huggingface/transformers"],
    },
)
CARD = parse_card(
    "Data: https://huggingface.co/datasets/ILSVRC/imagenet-1k. Code: https://github.com/openai/whisper"
)


def test_references_are_collected_lower_case():
    refs = model_refs(MODEL, SNAPSHOT, CARD)
    assert refs.dataset_refs == ("squad", "rajpurkar/other", "ilsvrc/imagenet-1k")
    assert refs.code_refs == ("huggingface/transformers", "openai/whisper")
    assert refs.parent_refs == ("openai/whisper-base",)
    assert (refs.owner, refs.model_name) == ("openai", "whisper-tiny")


def test_references_name_artifacts_by_id_repository_name_or_registered_name():
    refs = model_refs(MODEL, SNAPSHOT, CARD)
    squad = record("d1", ArtifactType.DATASET, "rajpurkar/squad", "squad-v1", "hf_dataset")
    other_squad = record("d2", ArtifactType.DATASET, "someone/squad-like", "x", "hf_dataset")
    parent = record("p", ArtifactType.MODEL, "openai/whisper-base", "base")
    assert refers_to(refs, squad)
    assert not refers_to(refs, other_squad)
    assert refers_to(refs, parent)


def test_same_owner_code_belongs_to_the_model():
    refs = model_refs(MODEL, make_snapshot(linked={}), parse_card(""))
    family = record("c", ArtifactType.CODE, "openai/whisper", "openai-whisper", "github")
    stranger = record("s", ArtifactType.CODE, "someone/whisper", "someone-whisper", "github")
    assert refers_to(refs, family)
    assert not refers_to(refs, stranger)


def test_the_code_repository_prefers_registered_and_related_ones():
    refs = model_refs(MODEL, SNAPSHOT, CARD)
    links = resolve(refs, [MODEL], MODEL.id)
    assert links.code_repository == "openai/whisper"  # shares 'openai' and 'whisper' with the model
    registered = record("c", ArtifactType.CODE, "huggingface/transformers", "transformers", "github")
    links = resolve(refs, [MODEL, registered], MODEL.id)
    assert links.code_repository == "huggingface/transformers" and links.code_artifact == registered


def test_github_links_that_are_not_repositories_are_ignored():
    text = "https://github.com/orgs/acme/people https://github.com/acme/tool.git https://github.com/acme"
    assert github_repo_ids([text]) == ["acme/tool"]
