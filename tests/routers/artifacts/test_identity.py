"""One artifact per source: canonical keys from the upstream's own id; types checked against sources."""

from __future__ import annotations

import pytest

from package.core.upstream.snapshot import Snapshot
from package.core.upstream.sources import parse_source_url
from package.routers.artifacts import identity
from package.routers.artifacts.interface import ArtifactType

BERT = "https://huggingface.co/google-bert/bert-base-uncased"


def post(client, kind, url):
    return client.post(f"/artifact/{kind}", json={"url": url})


def test_legacy_hub_id_is_the_same_source(client):
    first = post(client, "model", BERT)
    assert first.status_code == 201, first.text
    existing = first.json()["metadata"]["id"]
    again = post(client, "model", "https://huggingface.co/bert-base-uncased")
    assert again.status_code == 409
    assert existing in again.json()["message"]
    assert again.json()["details"] == {"existing_id": existing}


def test_legacy_id_first_then_canonical_url(client):
    first = post(client, "model", "https://huggingface.co/bert-base-uncased")
    assert first.status_code == 201, first.text
    assert post(client, "model", BERT).status_code == 409
    assert post(client, "model", "https://huggingface.co/GOOGLE-BERT/BERT-BASE-UNCASED").status_code == 409


def test_github_case_and_dot_git_are_one_source(client):
    assert post(client, "code", "https://github.com/openai/whisper").status_code == 201
    again = post(client, "code", "https://github.com/OpenAI/Whisper.git")
    assert again.status_code == 409
    assert "exists already" in again.json()["message"]


@pytest.mark.parametrize(
    ("kind", "url", "says"),
    [
        ("dataset", BERT, "is a Hugging Face model, not a dataset"),
        ("code", BERT, "is a Hugging Face model, not a code"),
        ("model", "https://huggingface.co/datasets/bookcorpus/bookcorpus", "is a Hugging Face dataset"),
        ("model", "https://www.kaggle.com/datasets/zalando-research/fashionmnist", "is a Kaggle dataset"),
    ],
)
def test_type_is_checked_against_the_source(client, kind, url, says):
    response = post(client, kind, url)
    assert response.status_code == 400
    assert says in response.json()["message"]
    assert response.json()["error"] == "wrong_artifact_type"


def test_github_may_be_code_or_dataset(client):
    assert post(client, "dataset", "https://github.com/zalandoresearch/fashion-mnist").status_code == 201
    assert post(client, "code", "https://github.com/zalandoresearch/fashion-mnist").status_code == 201


def test_canonical_uses_the_reported_id_only_when_it_is_clean():
    source = parse_source_url("https://huggingface.co/bert-base-uncased")
    renamed = Snapshot(source=source, page_url="", details={"canonical_id": "google-bert/bert-base-uncased"})
    assert identity.canonical(source, renamed).key == "hf_model:google-bert/bert-base-uncased@"
    odd = Snapshot(source=source, page_url="", details={"canonical_id": "../../etc passwd"})
    assert identity.canonical(source, odd) == source
    assert identity.canonical(source, Snapshot(source=source, page_url="")) == source


def test_every_source_kind_allows_some_type():
    assert all(identity.ALLOWED_TYPES.values())
    assert ArtifactType.MODEL in identity.ALLOWED_TYPES[parse_source_url(BERT).kind]


RENAMED = "https://github.com/huggingface/pytorch-transformers"
CURRENT = "https://github.com/huggingface/transformers"


@pytest.mark.parametrize(("first", "second"), [(RENAMED, CURRENT), (CURRENT, RENAMED)])
def test_a_renamed_github_repository_is_one_source(client, first, second):
    created = post(client, "code", first)
    assert created.status_code == 201, created.text
    existing = created.json()["metadata"]["id"]
    again = post(client, "code", second)
    assert again.status_code == 409
    assert again.json()["details"] == {"existing_id": existing}
    assert post(client, "code", "https://github.com/HuggingFace/pytorch-pretrained-BERT").status_code == 409


def test_a_renamed_repository_is_stored_under_its_canonical_full_name(client):
    from package.core.storage import get_storage
    from package.routers.artifacts import services

    created = post(client, "code", RENAMED)
    assert created.status_code == 201, created.text
    details = services.details(get_storage(), created.json()["metadata"]["id"])
    assert details.record.source_key == "github:huggingface/transformers@"
    assert details.snapshot.details["canonical_id"] == "huggingface/transformers"
